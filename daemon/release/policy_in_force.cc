#include "daemon/release/policy_in_force.h"

#include "absl/strings/str_cat.h"
#include "policy/policy_file.h"

namespace cairn {

absl::StatusOr<AppliedPolicy> ParseAppliedPolicy(PolicyVersion version,
                                                 const MetricRegistry* registry) {
  absl::StatusOr<Policy> policy = ParsePolicyFile(version.file_name, version.text, registry);
  if (!policy.ok()) return policy.status();
  return AppliedPolicy{std::move(version), *std::move(policy)};
}

absl::StatusOr<AppliedPolicy> LoadCurrentPolicy(const PolicyStore& store,
                                                const MetricRegistry* registry) {
  absl::StatusOr<PolicyVersion> current = store.Current();
  if (absl::IsNotFound(current.status())) return AppliedPolicy();  // deny everything
  if (!current.ok()) return current.status();
  const uint64_t number = current->version;
  absl::StatusOr<AppliedPolicy> applied = ParseAppliedPolicy(*std::move(current), registry);
  if (!applied.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stored policy version ", number, " no longer validates: ", applied.status().message()));
  }
  return applied;
}

std::string PolicyInForce::GrantDigest(absl::string_view grant) const {
  auto it = applied_.version.grants.find(std::string(grant));
  return it == applied_.version.grants.end() ? "" : it->second;
}

}  // namespace cairn
