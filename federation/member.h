// The member side of a federated round (DESIGN.md "Federation" steps 2-4): what a cairnd does
// when another member's daemon asks it to take part.
//
//   Propose   Signed(Proposal) -> Signed(Commitment). Accepts, or refuses with a reason, after
//             checking: the proposal is signed by its requester, fresh (issued within
//             max_proposal_age, and not before this member started) and not seen before; the
//             requester and every proposed cohort member are on THIS member's roster of the
//             named consortium; this member is in the cohort; the steward's policy admits the
//             query for the requester in a round of this consortium (a grant with a matching
//             federation block); the cohort and the per-group threshold (min_contributors)
//             are at least the grant's min_cohort; the cohort passes the differencing rule
//             (cohort_memory.h).
//   Announce  Signed(Announcement) -> Signed(Contribution, counts). The final cohort must be
//             a subset of the proposed one, contain this member, be at least min_cohort and
//             min_contributors large, and pass the differencing rule. The member computes its
//             figures (local_figures.h), derives the round's pair keys, commits to its
//             contributor bit in every group with a proof that it is 0 or 1
//             (count_phase.h), and has the steward admit the round (rate limit, budget, audit)
//             before the commitments leave.
//   Values    ValuesRequest -> Signed(Contribution, values). The member checks every member's
//             signed count contribution, opens the contributor counts itself (the commitments
//             must add up to a count in every group), verifies its random share of the proofs
//             of the groups with at least min_contributors contributors (the released ones),
//             has the steward record the release (audit, cohort memory), remembers the cohort,
//             and sends its masked fixed-point figures for the released groups, masked with
//             streams bound to the count transcript.
//
// Replies to bad input are errors, never partial answers: InvalidArgument for malformed bytes,
// Unauthenticated for a bad signature, AlreadyExists for a replayed proposal, ResourceExhausted
// when too many rounds are open, FailedPrecondition for a call out of order or for an unknown
// round, PermissionDenied for a refusal after the proposal (differencing, policy, budget),
// DataLoss when the count contributions do not add up, Unauthenticated (naming the member and
// group) when a bit proof does not verify. A round that fails at any step is forgotten.
//
// Thread-safe: calls are serialised by an internal mutex (the heavy work of one round runs
// under it; different members are independent objects).
#ifndef CAIRN_FEDERATION_MEMBER_H_
#define CAIRN_FEDERATION_MEMBER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "base/time.h"
#include "crypto/identity.h"
#include "federation/cohort_memory.h"
#include "federation/local_figures.h"
#include "federation/messages.h"
#include "federation/roster.h"
#include "federation/round.h"
#include "federation/round_masks.h"
#include "federation/steward.h"
#include "federation/transport.h"
#include "model/metric_registry.h"
#include "policy/discrete_laplace.h"

namespace cairn {

struct MemberOptions {
  // A proposal issued longer ago than this, or further than max_clock_skew ahead of this
  // member's clock, is refused (stale or replayed). Open rounds expire after the same time.
  Timestamp max_proposal_age = 10 * 60 * kMicrosPerSecond;
  Timestamp max_clock_skew = 60 * kMicrosPerSecond;
  // Rounds committed to and not finished: bounds the memory requesters can pin (a round
  // holds the member's figures, up to 2 MiB for the largest key space).
  size_t max_open_rounds = 16;
  // Proposals remembered until stale, so that none is answered twice.
  size_t max_seen_proposals = 10'000;
};

struct MemberContext {
  const Identity* identity = nullptr;        // this member's; must outlive the member
  const ConsortiumRoster* roster = nullptr;  // this member's own copy; must outlive it
  RoundSteward* steward = nullptr;           // must outlive it
  LocalQuery local;                          // runs parts over this member's data
  std::function<Timestamp()> clock;          // UTC microseconds
  const MetricRegistry* registry = nullptr;  // optional: check the query's metrics
  RandomSource* noise = nullptr;             // nullptr: the CSPRNG (tests pass a seeded one)
  MemberOptions options;
};

class FederationMember {
 public:
  // The context's pointers must be set (a caller bug aborts otherwise).
  explicit FederationMember(MemberContext context, CohortMemory memory = CohortMemory());
  ~FederationMember();

  absl::StatusOr<std::string> Propose(absl::string_view request);
  absl::StatusOr<std::string> Announce(absl::string_view request);
  absl::StatusOr<std::string> Values(absl::string_view request);
  // Dispatches to the three above.
  absl::StatusOr<std::string> Handle(FederationCall call, absl::string_view request);

  // The cohort memory, for persistence (CohortMemory::Export/Import).
  CohortMemory memory() const;
  void RestoreMemory(CohortMemory memory);
  size_t open_rounds() const;

  const PublicKey& public_key() const { return context_.identity->public_key(); }

 private:
  struct OpenRound;

  absl::StatusOr<std::string> ProposeLocked(absl::string_view request, Timestamp now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::string> AnnounceLocked(absl::string_view request, Timestamp now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::string> ValuesLocked(absl::string_view request, Timestamp now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Purge(Timestamp now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  RandomSource& Noise();

  MemberContext context_;
  // Proposals issued before this member started are refused: the proposals it saw before a
  // restart are forgotten, and answering one again could repeat a round's masks.
  const Timestamp started_at_;
  const KnownKeys roster_keys_;  // the roster's public keys, resolved without re-checking
  // Pair keys with the other members, derived for the roster's keys when this member is built
  // (a roster import or a daemon start), so that a round does not pay for them.
  std::unique_ptr<PairKeys> pair_keys_;
  mutable absl::Mutex mu_;
  CohortMemory memory_ ABSL_GUARDED_BY(mu_);
  // Round digest (raw bytes) -> state, for rounds committed to and not finished.
  absl::flat_hash_map<std::string, std::unique_ptr<OpenRound>> open_ ABSL_GUARDED_BY(mu_);
  // Round digest -> when the proposal goes stale.
  absl::flat_hash_map<std::string, Timestamp> seen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn

#endif  // CAIRN_FEDERATION_MEMBER_H_
