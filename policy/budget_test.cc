// Budget accounting: spending within a calendar period, refusing with what is left and when
// it renews, and renewing at the period boundary (UTC).
#include "policy/budget.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

Timestamp T(const char* text) { return ParseTimeArg(text).value(); }

class BudgetTest : public ::testing::Test {
 protected:
  BudgetTest() {
    grant_.name = "benchmark";
    PrivacySpec p;
    p.epsilon_micros = 100'000;   // 0.1
    p.budget_micros = 1'000'000;  // 1.0
    p.period = Granularity::kQuarter;
    grant_.privacy = p;
  }
  absl::Status Spend(Timestamp now, const std::string& partner = "acme") {
    return ledger_.Spend(partner, grant_, grant_.privacy->epsilon_micros, now).status();
  }

  Grant grant_;
  BudgetLedger ledger_;
};

TEST_F(BudgetTest, TenQueriesOfATenthUseUpABudgetOfOneExactly) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Spend(T("2026-02-01") + i).ok()) << i;
  absl::Status s = Spend(T("2026-03-31T23:59:59Z"));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(),
              HasSubstr("grant 'benchmark' privacy budget for 2026-Q1 is used up: 0 of 1 left, "
                        "this query needs 0.1; it renews at 2026-04-01T00:00:00Z"));
}

TEST_F(BudgetTest, TheBudgetRenewsAtTheStartOfTheNextPeriod) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Spend(T("2026-02-01")).ok());
  EXPECT_TRUE(Spend(T("2026-04-01")).ok());
  EXPECT_EQ(ledger_.State("acme", grant_, T("2026-04-02")).spent_micros, 100'000);
}

TEST_F(BudgetTest, PartnersSpendSeparately) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Spend(T("2026-02-01")).ok());
  EXPECT_TRUE(Spend(T("2026-02-01"), "beta").ok());
}

TEST_F(BudgetTest, ARefusedQuerySpendsNothing) {
  grant_.privacy->budget_micros = 150'000;
  ASSERT_TRUE(Spend(T("2026-02-01")).ok());
  ASSERT_FALSE(Spend(T("2026-02-01")).ok());
  BudgetState s = ledger_.State("acme", grant_, T("2026-02-01"));
  EXPECT_EQ(s.spent_micros, 100'000);
  EXPECT_EQ(s.remaining_micros(), 50'000);
}

TEST_F(BudgetTest, CheckSpendsNothing) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(ledger_.Check("acme", grant_, 100'000, T("2026-02-01")).ok());
  }
  EXPECT_EQ(ledger_.State("acme", grant_, T("2026-02-01")).spent_micros, 0);
}

TEST_F(BudgetTest, WeeksAreIsoWeeksInUtc) {
  grant_.privacy->period = Granularity::kWeek;
  BudgetState s = ledger_.State("acme", grant_, T("2026-01-07T12:00:00Z"));  // a Wednesday
  EXPECT_EQ(s.period_start, T("2026-01-05"));
  EXPECT_EQ(s.renews_at, T("2026-01-12"));
}

TEST_F(BudgetTest, AccountsSurviveARestore) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Spend(T("2026-02-01")).ok());
  BudgetLedger reloaded;
  for (const BudgetLedger::Account& a : ledger_.Accounts()) reloaded.Restore(a);
  EXPECT_EQ(reloaded.State("acme", grant_, T("2026-03-01")).spent_micros, 400'000);
  ASSERT_EQ(ledger_.Accounts().size(), 1u);
  EXPECT_EQ(ledger_.Accounts()[0].partner, "acme");
  EXPECT_EQ(ledger_.Accounts()[0].grant, "benchmark");
}

TEST(FormatEpsilonTest, PrintsMillionthsAsShortDecimals) {
  EXPECT_EQ(FormatEpsilon(0), "0");
  EXPECT_EQ(FormatEpsilon(2'000'000), "2");
  EXPECT_EQ(FormatEpsilon(250'000), "0.25");
  EXPECT_EQ(FormatEpsilon(1), "0.000001");
}

}  // namespace
}  // namespace cairn
