// libFuzzer target: the policy file parser. Any bytes must give either a Policy or a non-empty
// InvalidArgument naming where the file is wrong, never a crash or a hang; a policy that
// parses must answer decisions, each with a reason.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "model/metric_registry.h"
#include "policy/decision.h"
#include "policy/policy_file.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::FuzzCheck;
  static const cairn::MetricRegistry* registry = new cairn::MetricRegistry();
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<cairn::Policy> policy = cairn::ParsePolicyFile("fuzz.toml", text, registry);
  if (!policy.ok()) {
    FuzzCheck(policy.status().code() == absl::StatusCode::kInvalidArgument,
              "a refusal is InvalidArgument");
    FuzzCheck(!policy.status().message().empty(), "a refusal says where the file is wrong");
    return 0;
  }
  cairn::Query q;
  q.metric = "energy";
  q.aggregate = cairn::Aggregate::kSum;
  q.from = 1767225600LL * cairn::kMicrosPerSecond;  // 2026-01-01
  q.to = 1775001600LL * cairn::kMicrosPerSecond;    // 2026-04-01
  for (const cairn::Grant& g : policy->grants()) {
    const std::string partner =
        g.partner.empty() ? policy->groups().at(g.group).front() : g.partner;
    const cairn::Decision d = cairn::Decide(*policy, partner, q, q.from);
    FuzzCheck(!d.reason.empty(), "every decision has a reason");
  }
  return 0;
}
