// Privacy budget accounting: how much epsilon a partner has spent under a grant in the
// current period, and whether a query still fits.
//
// Budgets are per partner, grant and calendar period (day, ISO week, month, quarter or year,
// all UTC) and renew at the start of the next period; unspent budget does not carry over.
// Amounts are in millionths of epsilon (kMicrosPerEpsilon), so sums are exact.
// This is the in-memory logic; storage persists `Accounts()` and reloads them with Restore()
// (the debit is written together with the audit entry and the released answer).
// Thread-compatible: synchronise externally if one ledger is shared.
#ifndef CAIRN_POLICY_BUDGET_H_
#define CAIRN_POLICY_BUDGET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "policy/policy.h"

namespace cairn {

struct BudgetState {
  int64_t budget_micros = 0;
  int64_t spent_micros = 0;
  Timestamp period_start = 0;
  Timestamp renews_at = 0;  // start of the next period
  int64_t remaining_micros() const { return std::max<int64_t>(0, budget_micros - spent_micros); }
};

class BudgetLedger {
 public:
  struct Account {
    std::string partner;
    std::string grant;
    Timestamp period_start = 0;
    int64_t spent_micros = 0;
  };

  // The state of `partner`'s budget under `grant` (which must have a privacy block) at `now`.
  BudgetState State(absl::string_view partner, const Grant& grant, Timestamp now) const;

  // OK if `cost_micros` fits in what is left; otherwise ResourceExhausted saying what is
  // left, what the query needs and when the budget renews. Spends nothing.
  absl::Status Check(absl::string_view partner, const Grant& grant, int64_t cost_micros,
                     Timestamp now) const;
  // As Check, and on OK spends `cost_micros`; returns the state after spending.
  absl::StatusOr<BudgetState> Spend(absl::string_view partner, const Grant& grant,
                                    int64_t cost_micros, Timestamp now);

  // Loads what storage recorded for one account. A later period replaces an earlier one.
  void Restore(const Account& account);
  // Every account with its current period's spending, for storage.
  std::vector<Account> Accounts() const;

 private:
  struct Spent {
    Timestamp period_start = 0;
    int64_t micros = 0;
  };
  static std::string Key(absl::string_view partner, absl::string_view grant);

  absl::flat_hash_map<std::string, Spent> spent_;  // key: partner NUL grant
};

}  // namespace cairn

#endif  // CAIRN_POLICY_BUDGET_H_
