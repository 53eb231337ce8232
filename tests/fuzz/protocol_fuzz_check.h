// What the partner-protocol fuzz targets check. Each *AndCheck function reads one kind of
// outside bytes the way cairnd or `cairnctl verify` does, aborts (FuzzCheck) if a decoder of
// protocol/signed_envelope.h or protocol/convert.h breaks a promise, and returns the verdict:
// OK when the input got all the way through (decoded and, for signed messages, verified), the
// refusal otherwise. The fuzz targets ignore the verdict; protocol_seeds_test uses it to show
// that the committed seeds are real messages that reach the deepest checks.
//
// A fuzzer cannot forge Ed25519 signatures, so inputs for signed messages start with a mode
// byte: odd = the payload is signed afresh by a fixed fuzz identity (FuzzRequester() or
// FuzzAttester()), which lets mutated payloads reach the OK path; even = the signature comes
// from the input, as a peer would send it.
//
// Thread-safe after the first call (the fixed identities are built once).
#ifndef CAIRN_TESTS_FUZZ_PROTOCOL_FUZZ_CHECK_H_
#define CAIRN_TESTS_FUZZ_PROTOCOL_FUZZ_CHECK_H_

#include <capnp/message.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "crypto/identity.h"
#include "protocol/signed_envelope.h"

namespace cairn {

// Identities built from fixed seeds, so that committed seeds name keys the targets sign with.
const Identity& FuzzRequester();
const Identity& FuzzAttester();

// The signature a genuine requester or attester makes over `payload`: Ed25519 over the
// domain tag of protocol/partner.capnp followed by the payload.
std::string SignRequestPayload(const Identity& requester, absl::string_view payload);
std::string SignResultPayload(const Identity& attester, absl::string_view payload);

// Input: a mode byte, then either (odd) a QueryRequest payload, or (even) a signature of up to
// 64 bytes followed by the payload. Drives OpenQueryRequest. OK if the request opened.
absl::Status OpenRequestAndCheck(absl::string_view input);
std::string RequestFuzzInput(const SignedBytes& request, bool resign);

// Input: a mode byte, then an encoded SignedResult (EncodeSignedResult). Drives
// DecodeSignedResult, then VerifySignedResult (odd: on the attestation re-signed by
// FuzzAttester()). OK if the result verified.
absl::Status VerifyResultAndCheck(absl::string_view input);
std::string ResultFuzzInput(const SignedBytes& result, bool resign);

// Input: armoured text as `cairnctl verify` reads it from a file. Drives DearmorSignedResult,
// then VerifySignedResult on what it returns, and once more re-signed by FuzzAttester(). OK if
// the result as given verified.
absl::Status DearmorResultAndCheck(absl::string_view text);

// The model types convert.h decodes from messages a peer or cairnctl sent.
enum class WireType : uint8_t { kQuery = 0, kQueryResult = 1, kRecordBatch = 2 };
inline constexpr int kWireTypes = 3;

// Input: a type byte (taken modulo kWireTypes), then a Cap'n Proto message in stream framing
// (segment table, segments; zero-padded to whole words), read with EnvelopeReaderOptions()
// and decoded with the FromProto of that type. A Cap'n Proto exception (bad pointer,
// traversal or nesting limit) is a clean refusal: the RPC layer answers it with an error.
// OK if FromProto returned a value.
absl::Status DecodeWireMessageAndCheck(absl::string_view input);
std::string WireFuzzInput(WireType type, capnp::MessageBuilder& message);

}  // namespace cairn

#endif  // CAIRN_TESTS_FUZZ_PROTOCOL_FUZZ_CHECK_H_
