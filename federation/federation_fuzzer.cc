// Fuzz target for everything federation reads from a peer or a file: the first byte picks the
// reader, the rest is its input.
//   0  ParseRoster (a roster file)
//   1  FederationMember::Propose, 2 Announce, 3 Values (what a member's daemon receives)
//   4  DecodeFederatedResult + VerifyFederatedResult (what a verifier is handed)
// Any bytes must give a result or an error with a message, never a crash or a hang; an error
// from the member is one of the codes member.h documents.
//
// Under `bazel test` the deterministic driver in federation_fuzzer_test.cc runs it over
// mutations of valid messages. For coverage-guided fuzzing, build this file with clang-14
// -fsanitize=fuzzer,address,undefined against the federation, crypto, policy, protocol and
// model sources (as policy/policy_file_fuzzer.cc describes for its target).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "absl/strings/string_view.h"
#include "federation/messages.h"
#include "federation/roster.h"
#include "federation/testing.h"
#include "federation/verify.h"

namespace {

bool Documented(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kDataLoss:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static cairn::federation_testing::TestConsortium* consortium =
      new cairn::federation_testing::TestConsortium({3, 2});
  if (size == 0) return 0;
  const absl::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      absl::StatusOr<cairn::ConsortiumRoster> r = cairn::ParseRoster("fuzz.toml", input);
      if (!r.ok() && r.status().message().empty()) std::abort();
      break;
    }
    case 1:
    case 2:
    case 3: {
      const cairn::FederationCall call = static_cast<cairn::FederationCall>(data[0] % 5 - 1);
      absl::StatusOr<std::string> reply = consortium->member(0).member->Handle(call, input);
      if (!reply.ok() && (!Documented(reply.status().code()) || reply.status().message().empty())) {
        std::abort();
      }
      break;
    }
    case 4: {
      absl::StatusOr<cairn::FederatedResult> result = cairn::DecodeFederatedResult(input);
      if (!result.ok()) break;
      absl::Status s = cairn::VerifyFederatedResult(*result, consortium->roster());
      if (!s.ok() && s.message().empty()) std::abort();
      break;
    }
  }
  return 0;
}
