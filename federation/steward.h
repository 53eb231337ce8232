// The steward's side of a federated round, as the member sees it, in three calls:
//   Check          at the proposal: may this requester ask this query in a round of this
//                  consortium? Spends nothing.
//   Admit          at the announcement, just before the member's count commitments leave: the
//                  round is counted against the grant's rate limit and, under a privacy block,
//                  its epsilon is spent, durably with an audit entry. The commitments say,
//                  per group, whether the member's noisy count reaches min_records; they are
//                  a release of their own, so they are paid for even if no figures ever follow
//                  (a requester that stops every round after the counts runs out of budget,
//                  not the other way round). A round that fails afterwards stays paid for.
//   RecordRelease  at the values step, just before the member's figures leave: the grant must
//                  still admit the query (its limits were counted by Admit), and the release is
//                  recorded durably with its audit entry and the cohort-memory entry, which the
//                  daemon writes as one atomic batch so that no figures leave without both.
//
// PolicySteward implements them over a Policy and a PolicyGate held in memory (tests, bench).
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

// What a member is about to send into a round, for Admit and RecordRelease (and the daemon's
// audit entries).
struct ReleaseNotice {
  std::string requester;  // its roster name: the partner in the policy
  std::string consortium;
  std::string round;  // the round digest in hex
  Query query;
  std::string grant;                // the grant that admitted the round at the proposal
  std::vector<Fingerprint> cohort;  // the final cohort
  size_t released_groups = 0;       // RecordRelease; 0 for Admit
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

  // Admits the round's count phase: counts it against the rate limit, spends the budget, and
  // records both durably with an audit entry. Allowed only if admitted, with its limits, by
  // the grant Check chose.
  virtual Decision Admit(const ReleaseNotice& notice) = 0;

  // Records the release of the member's figures durably, with its audit entry and the cohort
  // memory entry (notice.cohort); spends nothing. Allowed only if the grant Check chose still
  // admits the query (rate limit and budget aside: Admit counted this round already).
  virtual Decision RecordRelease(const ReleaseNotice& notice) = 0;
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
  Decision RecordRelease(const ReleaseNotice& n) override {
    return Decide(*policy_, n.requester, n.query, n.now, n.consortium);
  }

 private:
  std::shared_ptr<const Policy> policy_;
  PolicyGate gate_;
};

}  // namespace cairn

#endif  // CAIRN_FEDERATION_STEWARD_H_
