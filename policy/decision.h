// Policy decisions: may this partner ask this query now, under which grant, and why (not).
//
// Semantics, in full:
//   1. If any deny rule that applies to the partner matches the query, the query is denied;
//      the reason cites the matching rule with the smallest name.
//   2. Otherwise the query is allowed by the grant with the smallest name among those that
//      bind the partner (directly or through a group) and admit the query: valid at `now`,
//      and every check of the grant passes (metric or ratio, aggregate, filter tags, scope,
//      group tags, granularity of buckets and range).
//   3. Otherwise it is denied; the reason says why each binding grant refused.
// Grants and rules are kept sorted by name, so the order they were written in never matters.
//
// Federated rounds (federation/) pass the consortium whose round asks; a partner's own query
// passes none. A grant with a federation block admits only rounds of its consortium, and a
// grant without one admits no round at all (check kFederation), so a grant written for a
// benchmark never answers bilaterally and a bilateral contract never feeds a benchmark.
//
// These functions are stateless and spend nothing; rate limits and budgets are PolicyGate's.
// Thread-safe: they only read the Policy.
#ifndef CAIRN_POLICY_DECISION_H_
#define CAIRN_POLICY_DECISION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "base/time.h"
#include "model/query.h"
#include "policy/policy.h"

namespace cairn {

// The check that refused a query.
enum class Check {
  kPartner,      // no grant binds the partner
  kValidity,     // outside the grant's validity window
  kMetric,       // metric not granted
  kRatio,        // ratio pair not granted (or a denominator without the ratio aggregate)
  kAggregate,    // aggregate not granted for the metric
  kFilterTag,    // filters on a tag the grant does not allow
  kScope,        // does not filter a scope tag to the grant's values
  kGroupTag,     // groups by a tag the grant does not allow
  kGranularity,  // time buckets or range boundaries finer than the grant allows
  kDenyRule,     // a deny rule matched
  kRateLimit,    // the grant's rate limit is used up (PolicyGate)
  kBudget,       // the grant's privacy budget is used up (PolicyGate)
  kFederation,   // bilateral query to a federated-only grant, or a round the grant is not for
};
absl::string_view CheckName(Check check);  // "partner", "validity", "metric", ...

struct Refusal {
  const Grant* grant = nullptr;  // nullptr for kPartner and kDenyRule
  Check check = Check::kPartner;
  std::string reason;
};

struct Decision {
  bool allowed = false;
  // The admitting grant, or (denied by kRateLimit / kBudget) the grant whose limit refused.
  // Valid while the Policy lives.
  const Grant* grant = nullptr;
  const DenyRule* deny_rule = nullptr;  // the deny rule that refused, if one did
  Check denied_by = Check::kPartner;    // when denied: the check of the first refusal
  // When denied: why, for the deny rule or for the first kMaxDescribedRefusals refusing
  // grants by name (Explain() lists them all).
  std::vector<Refusal> refusals;
  size_t refusing_grants = 0;  // how many of the partner's grants refused
  std::string reason;          // the text the partner is given
};

// Bounds the partner-facing reason when many grants refuse.
inline constexpr size_t kMaxDescribedRefusals = 5;

// `consortium`: empty for a partner's own query, else the consortium of the federated round.
Decision Decide(const Policy& policy, absl::string_view partner, const Query& query, Timestamp now,
                absl::string_view consortium = {});

// The reason `grant` does not admit `query` at `now` (asked in a round of `consortium`, or
// bilaterally when empty), or nullopt if it admits it. Partner membership is not checked here.
std::optional<Refusal> CheckGrant(const Grant& grant, const Query& query, Timestamp now,
                                  absl::string_view consortium = {});

// True if every condition of `rule` holds for `query` (who the rule applies to is not checked).
bool DenyRuleMatches(const DenyRule& rule, const Query& query);

// What `cairnctl policy check` prints: the decision, and a line for every deny rule and grant
// that applies to the partner. Spends nothing.
struct Explanation {
  Decision decision;
  std::vector<std::string> lines;
  std::string ToString() const;  // the lines, then "=> allowed/denied: reason"
};
Explanation Explain(const Policy& policy, absl::string_view partner, const Query& query,
                    Timestamp now, absl::string_view consortium = {});

}  // namespace cairn

#endif  // CAIRN_POLICY_DECISION_H_
