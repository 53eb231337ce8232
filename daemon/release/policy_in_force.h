// The owner's policy as it is in force: the stored version (storage/policy_store.h) and its
// parsed, validated form (policy/policy.h). Replaced as a whole when the steward applies a
// new version; with no version applied (number 0) partners' metric allow-lists decide.
//
// Threading: read and replaced on the daemon's writer thread only.
#ifndef CAIRN_DAEMON_RELEASE_POLICY_IN_FORCE_H_
#define CAIRN_DAEMON_RELEASE_POLICY_IN_FORCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "model/metric_registry.h"
#include "policy/policy.h"
#include "storage/policy_store.h"

namespace cairn {

struct AppliedPolicy {
  PolicyVersion version;
  Policy policy;
};

// Validates `version`'s text as a policy (file, line and field on error) against `registry`.
absl::StatusOr<AppliedPolicy> ParseAppliedPolicy(PolicyVersion version,
                                                 const MetricRegistry* registry);

// The current stored version, parsed; version 0 and an empty Policy (deny everything) when
// none was ever applied. InvalidArgument if the stored text no longer validates.
absl::StatusOr<AppliedPolicy> LoadCurrentPolicy(const PolicyStore& store,
                                                const MetricRegistry* registry);

class PolicyInForce {
 public:
  explicit PolicyInForce(AppliedPolicy applied) : applied_(std::move(applied)) {}

  const Policy& policy() const { return applied_.policy; }
  const PolicyVersion& version() const { return applied_.version; }
  uint64_t number() const { return applied_.version.version; }
  // No policy applied yet: the partners' metric allow-lists decide.
  bool none() const { return applied_.version.version == 0; }
  // The digest of a grant's definition in this version ("" if it has none).
  std::string GrantDigest(absl::string_view grant) const;

  void Replace(AppliedPolicy applied) { applied_ = std::move(applied); }

 private:
  AppliedPolicy applied_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_RELEASE_POLICY_IN_FORCE_H_
