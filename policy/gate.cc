#include "policy/gate.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

void Refuse(Decision* d, Check check, const absl::Status& status) {
  d->allowed = false;
  d->denied_by = check;
  d->reason = std::string(status.message());
  d->refusals = {Refusal{d->grant, check, d->reason}};
}

}  // namespace

void PolicyGate::ApplyLimits(absl::string_view partner, Timestamp now, Decision* d) const {
  if (!d->allowed) return;
  const Grant& g = *d->grant;
  if (absl::Status s = rate_limits_.Check(partner, g, now); !s.ok()) {
    Refuse(d, Check::kRateLimit, s);
    return;
  }
  if (g.privacy) {
    if (absl::Status s = budget_.Check(partner, g, g.privacy->epsilon_micros, now); !s.ok()) {
      Refuse(d, Check::kBudget, s);
    }
  }
}

Decision PolicyGate::Check(const Policy& policy, absl::string_view partner, const Query& query,
                           Timestamp now, absl::string_view consortium) const {
  Decision d = Decide(policy, partner, query, now, consortium);
  ApplyLimits(partner, now, &d);
  return d;
}

Decision PolicyGate::Admit(const Policy& policy, absl::string_view partner, const Query& query,
                           Timestamp now, absl::string_view consortium) {
  Decision d = Check(policy, partner, query, now, consortium);
  if (!d.allowed) return d;
  const Grant& g = *d.grant;
  // Both limits were checked above, so neither can refuse now.
  absl::Status counted = rate_limits_.Admit(partner, g, now);
  if (!counted.ok()) {
    Refuse(&d, Check::kRateLimit, counted);
    return d;
  }
  if (g.privacy) {
    absl::StatusOr<BudgetState> spent = budget_.Spend(partner, g, g.privacy->epsilon_micros, now);
    if (!spent.ok()) Refuse(&d, Check::kBudget, spent.status());
  }
  return d;
}

Explanation PolicyGate::Explain(const Policy& policy, absl::string_view partner, const Query& query,
                                Timestamp now, absl::string_view consortium) const {
  Explanation e = cairn::Explain(policy, partner, query, now, consortium);
  if (!e.decision.allowed) return e;
  const Grant& g = *e.decision.grant;
  if (g.rate_limit) {
    absl::Status s = rate_limits_.Check(partner, g, now);
    e.lines.push_back(absl::StrCat("rate limit of grant '", g.name, "': ",
                                   s.ok() ? absl::StrCat("within ", g.rate_limit->queries,
                                                         " queries per ", g.rate_limit->window_name)
                                          : std::string(s.message())));
  }
  if (g.privacy) {
    BudgetState b = budget_.State(partner, g, now);
    e.lines.push_back(absl::StrCat(
        "privacy budget of grant '", g.name, "': ", FormatEpsilon(b.remaining_micros()), " of ",
        FormatEpsilon(b.budget_micros), " left until ", FormatTimestamp(b.renews_at),
        "; this query would spend ", FormatEpsilon(g.privacy->epsilon_micros)));
  }
  ApplyLimits(partner, now, &e.decision);
  return e;
}

}  // namespace cairn
