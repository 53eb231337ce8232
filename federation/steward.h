// The steward's side of a federated round, as the member sees it: may this requester ask this
// query in a round of this consortium (Check, at the proposal), and, just before the member's
// figures leave, the admission of that release (Admit: rate limit, privacy budget, audit and
// the durable cohort-memory entry, which the daemon writes as one atomic batch so that no
// figures leave without all of them).
//
// PolicySteward implements both over a Policy and a PolicyGate held in memory (tests, bench,
// and the daemon until it persists them).
#ifndef CAIRN_FEDERATION_STEWARD_H_
#define CAIRN_FEDERATION_STEWARD_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "base/time.h"
#include "crypto/public_key.h"
#include "model/query.h"
#include "policy/decision.h"
#include "policy/gate.h"
#include "policy/policy.h"

namespace cairn {

// What a member is about to release in a round, for Admit (and the daemon's audit entry).
struct ReleaseNotice {
  std::string requester;  // its roster name: the partner in the policy
  std::string consortium;
  std::string round;  // the round digest in hex
  Query query;
  std::string grant;                // the grant that admitted the round at the proposal
  std::vector<Fingerprint> cohort;  // the final cohort
  size_t released_groups = 0;
  Timestamp now = 0;
};

class RoundSteward {
 public:
  virtual ~RoundSteward() = default;

  // The decision for `requester` asking `query` in a round of `consortium`; spends nothing.
  // The Decision's grant pointer need only stay valid until the call returns (the member
  // copies the grant).
  virtual Decision Check(absl::string_view requester, const Query& query,
                         absl::string_view consortium, Timestamp now) = 0;

  // Admits the release: counts it against the rate limit, spends the budget, and records it
  // durably with its audit entry. Allowed only if admitted by the grant Check chose.
  virtual Decision Admit(const ReleaseNotice& notice) = 0;
};

// Over a Policy (replaceable) and a PolicyGate. Thread-compatible: the member calls it under
// its own lock; a daemon sharing the gate with other code synchronises it.
class PolicySteward : public RoundSteward {
 public:
  explicit PolicySteward(std::shared_ptr<const Policy> policy) : policy_(std::move(policy)) {}

  void SetPolicy(std::shared_ptr<const Policy> policy) { policy_ = std::move(policy); }
  PolicyGate& gate() { return gate_; }

  Decision Check(absl::string_view requester, const Query& query, absl::string_view consortium,
                 Timestamp now) override {
    return gate_.Check(*policy_, requester, query, now, consortium);
  }
  Decision Admit(const ReleaseNotice& n) override {
    return gate_.Admit(*policy_, n.requester, n.query, n.now, n.consortium);
  }

 private:
  std::shared_ptr<const Policy> policy_;
  PolicyGate gate_;
};

}  // namespace cairn

#endif  // CAIRN_FEDERATION_STEWARD_H_
