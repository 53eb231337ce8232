#include "policy/budget.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace cairn {

std::string BudgetLedger::Key(absl::string_view partner, absl::string_view grant) {
  return absl::StrCat(partner, absl::string_view("\0", 1), grant);
}

BudgetState BudgetLedger::State(absl::string_view partner, const Grant& grant,
                                Timestamp now) const {
  BudgetState state;
  const Granularity period = grant.privacy ? grant.privacy->period : Granularity::kDay;
  state.budget_micros = grant.privacy ? grant.privacy->budget_micros : 0;
  state.period_start = BucketFloor(now, period);
  state.renews_at = BucketNext(state.period_start, period);
  auto it = spent_.find(Key(partner, grant.name));
  if (it != spent_.end() && it->second.period_start == state.period_start) {
    state.spent_micros = it->second.micros;
  }
  return state;
}

absl::Status BudgetLedger::Check(absl::string_view partner, const Grant& grant, int64_t cost_micros,
                                 Timestamp now) const {
  BudgetState s = State(partner, grant, now);
  if (cost_micros <= s.remaining_micros()) return absl::OkStatus();
  Granularity period = grant.privacy ? grant.privacy->period : Granularity::kDay;
  return absl::ResourceExhaustedError(absl::StrCat(
      "grant '", grant.name, "' privacy budget for ", BucketLabel(s.period_start, period),
      " is used up: ", FormatEpsilon(s.remaining_micros()), " of ", FormatEpsilon(s.budget_micros),
      " left, this query needs ", FormatEpsilon(cost_micros), "; it renews at ",
      FormatTimestamp(s.renews_at)));
}

absl::StatusOr<BudgetState> BudgetLedger::Spend(absl::string_view partner, const Grant& grant,
                                                int64_t cost_micros, Timestamp now) {
  absl::Status fits = Check(partner, grant, cost_micros, now);
  if (!fits.ok()) return fits;
  BudgetState s = State(partner, grant, now);
  s.spent_micros += cost_micros;
  spent_[Key(partner, grant.name)] = Spent{s.period_start, s.spent_micros};
  return s;
}

void BudgetLedger::Restore(const Account& account) {
  Spent& s = spent_[Key(account.partner, account.grant)];
  if (account.period_start >= s.period_start) s = Spent{account.period_start, account.spent_micros};
}

std::vector<BudgetLedger::Account> BudgetLedger::Accounts() const {
  std::vector<Account> out;
  for (const auto& [key, spent] : spent_) {
    std::vector<std::string> parts = absl::StrSplit(key, absl::MaxSplits('\0', 1));
    out.push_back(
        Account{parts[0], parts.size() > 1 ? parts[1] : "", spent.period_start, spent.micros});
  }
  std::sort(out.begin(), out.end(), [](const Account& a, const Account& b) {
    return std::tie(a.partner, a.grant) < std::tie(b.partner, b.grant);
  });
  return out;
}

}  // namespace cairn
