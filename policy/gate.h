// PolicyGate: the admission step of a query, "find grant, check shape, check rate and budget".
//
// Check() and Admit() run Decide() and then, for the admitting grant, its rate limit and (for
// a grant with a privacy block) its privacy budget. A query refused by the chosen grant's
// rate limit or budget is refused: the gate does not fall back to another grant, so a limit
// means what it says. Admit() additionally counts the query and spends the grant's epsilon;
// repeated identical queries are the caller's to answer from its ledger of released answers
// without coming here again.
//
// The gate holds the mutable state (rate windows and budget ledger), keyed by partner and
// grant name, so a reloaded Policy keeps the state of grants that keep their names. The
// Policy is passed to each call. Thread-compatible: the daemon calls it from its event loop
// or synchronises externally.
#ifndef CAIRN_POLICY_GATE_H_
#define CAIRN_POLICY_GATE_H_

#include "absl/strings/string_view.h"
#include "base/time.h"
#include "model/query.h"
#include "policy/budget.h"
#include "policy/decision.h"
#include "policy/policy.h"
#include "policy/rate_limiter.h"

namespace cairn {

// `consortium` is as for Decide(): empty for a partner's own query, else the consortium of the
// federated round that asks.
class PolicyGate {
 public:
  // The decision at `now`, spending nothing (what `cairnctl policy check` shows).
  Decision Check(const Policy& policy, absl::string_view partner, const Query& query, Timestamp now,
                 absl::string_view consortium = {}) const;
  // As Check; when allowed, counts the query against the rate limit and spends the epsilon.
  Decision Admit(const Policy& policy, absl::string_view partner, const Query& query, Timestamp now,
                 absl::string_view consortium = {});
  // Explain() plus a line for the rate limit and the budget of the admitting grant.
  Explanation Explain(const Policy& policy, absl::string_view partner, const Query& query,
                      Timestamp now, absl::string_view consortium = {}) const;

  BudgetLedger& budget() { return budget_; }
  const BudgetLedger& budget() const { return budget_; }
  RateLimiter& rate_limits() { return rate_limits_; }

 private:
  // Refuses `d` (allowed so far) for its grant's rate limit or budget, if either is used up.
  void ApplyLimits(absl::string_view partner, Timestamp now, Decision* d) const;

  RateLimiter rate_limits_;
  BudgetLedger budget_;
};

}  // namespace cairn

#endif  // CAIRN_POLICY_GATE_H_
