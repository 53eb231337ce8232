#include "protocol/signed_envelope.h"
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "crypto/hash.h"
#include "crypto/signing.h"
#include "protocol/armor.h"
#include "protocol/convert.h"
#include "protocol/partner.capnp.h"

namespace cairn {
namespace {

constexpr absl::string_view kRequestDomain("cairn/request/v1\0", 17);
constexpr absl::string_view kResultDomain("cairn/result/v1\0", 16);
constexpr absl::string_view kArmorLabel = "CAIRN SIGNED RESULT";

std::string Bytes(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}
capnp::Data::Reader DataOf(absl::string_view s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

template <typename Builder>
std::string Canonical(Builder builder) {
  kj::Array<capnp::word> words = capnp::canonicalize(builder.asReader());
  return std::string(reinterpret_cast<const char*>(words.begin()), words.asBytes().size());
}

// Holds a word-aligned copy of canonical bytes and a reader over it.
class CanonicalReader {
 public:
  static absl::StatusOr<std::unique_ptr<CanonicalReader>> Open(absl::string_view bytes,
                                                               const char* what) {
    if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": not a Cap'n Proto message"));
    }
    if (bytes.size() > EnvelopeReaderOptions().traversalLimitInWords * sizeof(capnp::word)) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": larger than 1 MiB"));
    }
    auto r = std::unique_ptr<CanonicalReader>(new CanonicalReader(bytes));
    return r;
  }
  template <typename T>
  absl::StatusOr<typename T::Reader> Root(const char* what) {
    typename T::Reader root;
    KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] { root = reader_->getRoot<T>(); })) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " is damaged: it does not decode (", e->getDescription().cStr(), ")"));
    }
    return root;
  }
  capnp::MessageReader& reader() { return *reader_; }

 private:
  explicit CanonicalReader(absl::string_view bytes)
      : words_(kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word))) {
    std::memcpy(words_.begin(), bytes.data(), bytes.size());
    segments_[0] = words_.asPtr();
    reader_ = kj::heap<capnp::SegmentArrayMessageReader>(kj::arrayPtr(segments_, 1),
                                                         EnvelopeReaderOptions());
  }
  kj::Array<capnp::word> words_;
  kj::ArrayPtr<const capnp::word> segments_[1];
  kj::Own<capnp::SegmentArrayMessageReader> reader_;
};

// Everything that reads a peer's message goes through here, so that a malformed one becomes
// an InvalidArgument status instead of an exception escaping into the caller.
template <typename Fn>
absl::Status Decoding(const char* what, Fn&& fn) {
  absl::Status status;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] { status = fn(); })) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is damaged: it does not decode (", e->getDescription().cStr(), ")"));
  }
  return status;
}

absl::StatusOr<PublicKey> KeyField(capnp::Data::Reader d, const char* field,
                                   absl::Span<const PublicKey> known) {
  const absl::string_view bytes(reinterpret_cast<const char*>(d.begin()), d.size());
  for (const PublicKey& k : known) {
    if (k.AsStringView() == bytes) return k;
  }
  absl::StatusOr<PublicKey> key = PublicKey::FromBytes(bytes);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", key.status().message()));
  }
  return key;
}

}  // namespace

capnp::ReaderOptions EnvelopeReaderOptions() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = (1 << 20) / sizeof(capnp::word);
  options.nestingLimit = 32;
  return options;
}

absl::StatusOr<SignedBytes> SignQueryRequest(const Identity& requester, const PublicKey& target,
                                             const Query& query, Timestamp now) {
  capnp::MallocMessageBuilder message;
  auto r = message.initRoot<proto::QueryRequest>();
  ToProto(query, r.initQuery());
  r.setRequesterKey(DataOf(requester.public_key().AsStringView()));
  r.setTargetKey(DataOf(target.AsStringView()));
  std::string nonce(kNonceBytes, '\0');
  RandomBytes(nonce.data(), nonce.size());
  r.setNonce(DataOf(nonce));
  r.setIssuedAt(now);
  SignedBytes out;
  out.payload = Canonical(r);
  Signature sig = Sign(requester, absl::StrCat(kRequestDomain, out.payload));
  out.signature = std::string(sig.AsStringView());
  return out;
}

absl::StatusOr<QueryRequestInfo> OpenQueryRequest(const SignedBytes& request,
                                                  absl::Span<const PublicKey> known) {
  CAIRN_ASSIGN_OR_RETURN(auto reader, CanonicalReader::Open(request.payload, "request"));
  Query query;
  std::optional<PublicKey> requester, target;
  std::string nonce;
  Timestamp issued_at = 0;
  absl::Status decoded = Decoding("request", [&]() -> absl::Status {
    auto r = reader->reader().getRoot<proto::QueryRequest>();
    CAIRN_ASSIGN_OR_RETURN(query, FromProto(r.getQuery()));
    CAIRN_ASSIGN_OR_RETURN(requester, KeyField(r.getRequesterKey(), "requesterKey", known));
    CAIRN_ASSIGN_OR_RETURN(target, KeyField(r.getTargetKey(), "targetKey", known));
    nonce = Bytes(r.getNonce());
    if (nonce.size() != kNonceBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("nonce: ", nonce.size(), " bytes, expected ", kNonceBytes));
    }
    issued_at = r.getIssuedAt();
    return absl::OkStatus();
  });
  if (!decoded.ok()) return decoded;
  absl::StatusOr<Signature> sig = Signature::FromBytes(request.signature);
  if (!sig.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("signature: ", sig.status().message()));
  }
  CAIRN_RETURN_IF_ERROR(Verify(*requester, absl::StrCat(kRequestDomain, request.payload), *sig));
  return QueryRequestInfo{std::move(query), *requester, *target,
                          std::move(nonce), issued_at,  Sha256(request.payload)};
}

absl::StatusOr<SignedBytes> SignAttestation(const Identity& attester, const AttestationInfo& info) {
  capnp::MallocMessageBuilder message;
  auto a = message.initRoot<proto::Attestation>();
  ToProto(info.query, a.initQuery());
  ToProto(info.result, a.initResult());
  a.setAttesterKey(DataOf(attester.public_key().AsStringView()));
  a.setAttesterName(info.attester_name);
  a.setRequesterKey(DataOf(info.requester.AsStringView()));
  a.setRequestHash(DataOf(info.request_hash));
  a.setAnsweredAt(info.answered_at);
  auto p = a.initProtection();
  p.setGrant(info.protection.grant);
  p.setPolicyVersion(info.protection.policy_version);
  p.setSuppressedGroups(info.protection.suppressed_groups);
  p.setNoise(info.protection.noise);
  p.setEpsilonSpent(info.protection.epsilon_spent);
  p.setAuditReceipt(DataOf(info.protection.audit_receipt));
  SignedBytes out;
  out.payload = Canonical(a);
  Signature sig = Sign(attester, absl::StrCat(kResultDomain, out.payload));
  out.signature = std::string(sig.AsStringView());
  return out;
}

absl::StatusOr<AttestationInfo> VerifySignedResult(const SignedBytes& result,
                                                   absl::Span<const PublicKey> known) {
  CAIRN_ASSIGN_OR_RETURN(auto reader, CanonicalReader::Open(result.payload, "result"));
  Query query;
  QueryResult rows;
  std::optional<PublicKey> attester, requester;
  std::string attester_name, request_hash;
  Timestamp answered_at = 0;
  Protection protection;
  absl::Status decoded = Decoding("result", [&]() -> absl::Status {
    auto a = reader->reader().getRoot<proto::Attestation>();
    CAIRN_ASSIGN_OR_RETURN(query, FromProto(a.getQuery()));
    CAIRN_ASSIGN_OR_RETURN(rows, FromProto(a.getResult()));
    CAIRN_ASSIGN_OR_RETURN(attester, KeyField(a.getAttesterKey(), "attesterKey", known));
    attester_name = a.getAttesterName();
    CAIRN_ASSIGN_OR_RETURN(requester, KeyField(a.getRequesterKey(), "requesterKey", known));
    request_hash = Bytes(a.getRequestHash());
    answered_at = a.getAnsweredAt();
    auto p = a.getProtection();
    protection.grant = p.getGrant();
    protection.policy_version = p.getPolicyVersion();
    protection.suppressed_groups = p.getSuppressedGroups();
    protection.noise = p.getNoise();
    protection.epsilon_spent = p.getEpsilonSpent();
    protection.audit_receipt = Bytes(p.getAuditReceipt());
    return absl::OkStatus();
  });
  if (!decoded.ok()) return decoded;
  absl::StatusOr<Signature> sig = Signature::FromBytes(result.signature);
  if (!sig.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("signature: ", sig.status().message()));
  }
  CAIRN_RETURN_IF_ERROR(Verify(*attester, absl::StrCat(kResultDomain, result.payload), *sig));
  return AttestationInfo{
      std::move(query), std::move(rows),         *attester,   std::move(attester_name),
      *requester,       std::move(request_hash), answered_at, std::move(protection)};
}

std::string EncodeSignedResult(const SignedBytes& result) {
  capnp::MallocMessageBuilder message;
  auto s = message.initRoot<proto::SignedResult>();
  s.setAttestation(DataOf(result.payload));
  s.setSignature(DataOf(result.signature));
  return Canonical(s);
}

absl::StatusOr<SignedBytes> DecodeSignedResult(absl::string_view bytes) {
  CAIRN_ASSIGN_OR_RETURN(auto reader, CanonicalReader::Open(bytes, "signed result"));
  SignedBytes out;
  CAIRN_RETURN_IF_ERROR(Decoding("signed result", [&]() -> absl::Status {
    auto s = reader->reader().getRoot<proto::SignedResult>();
    out.payload = Bytes(s.getAttestation());
    out.signature = Bytes(s.getSignature());
    return absl::OkStatus();
  }));
  return out;
}

std::string ArmorSignedResult(const SignedBytes& result) {
  return Armor(kArmorLabel, EncodeSignedResult(result));
}

absl::StatusOr<SignedBytes> DearmorSignedResult(absl::string_view text) {
  CAIRN_ASSIGN_OR_RETURN(const Dearmored block, Dearmor(kArmorLabel, text, "Cairn signed result"));
  return DecodeSignedResult(block.bytes);
}

}  // namespace cairn
