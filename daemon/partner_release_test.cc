// The partner door and the release path as a specification, in-process: each rule of what may
// leave, with the refusal beside the answer it guards, and what the audit log says about each.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/release_fixture.h"
#include "storage/testing.h"

namespace cairn::release_testing {
namespace {

using ::cairn::testing_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kExactMonthly[] = R"toml(
version = 1

[[grant]]
name = "monthly"
partner = "acme"
purpose = "energy figures for the supply contract"
release = "exact"
metrics = ["energy"]
aggregates = ["sum", "count"]
group_tags = ["product"]
finest = "month"
)toml";

constexpr char kRateLimited[] = R"toml(
version = 1

[[grant]]
name = "monthly"
partner = "acme"
purpose = "energy figures for the supply contract"
release = "exact"
metrics = ["energy"]
aggregates = ["sum"]
finest = "month"
rate_limit = { queries = 2, per = "minute" }
)toml";

constexpr char kThresholds[] = R"toml(
version = 1

[[grant]]
name = "monthly"
partner = "acme"
purpose = "energy figures for the supply contract"
release = "exact"
metrics = ["energy"]
aggregates = ["sum"]
group_tags = ["product"]
finest = "month"
min_records = 5
)toml";

constexpr char kProtected[] = R"toml(
version = 1

[[grant]]
name = "benchmark"
partner = "acme"
purpose = "an energy benchmark"
release = "protected"
metrics = ["energy"]
aggregates = ["sum"]
group_tags = ["product"]
finest = "month"
min_records = 20

  [grant.privacy]
  epsilon = 1.0
  budget = 2.0
  period = "quarter"
  clamp.energy = { lo = 0.0, hi = 100.0, resolution = 1.0 }
)toml";

#define ASSERT_OK(expr)         \
  do {                          \
    absl::Status s_ = (expr);   \
    ASSERT_TRUE(s_.ok()) << s_; \
  } while (0)

class PartnerReleaseTest : public ReleasePathTest {};

// ---- Before any policy: the partner's allow-list decides, and it starts empty.

TEST_F(PartnerReleaseTest, WithoutPolicyOrAllowListNothingIsAnswered) {
  EXPECT_THAT(Ask(Sum("energy")), StatusIs(absl::StatusCode::kPermissionDenied, "no metric"));
}

TEST_F(PartnerReleaseTest, WithoutPolicyTheAllowListAnswersItsMetricsOnly) {
  ASSERT_TRUE(AllowMetrics({"energy"}).ok());
  EXPECT_TRUE(Ask(Sum("energy")).ok());
  EXPECT_THAT(Ask(Sum("water")), StatusIs(absl::StatusCode::kPermissionDenied, "water"));
  ASSERT_TRUE(AllowMetrics({}).ok());
  EXPECT_THAT(Ask(Sum("energy")), StatusIs(absl::StatusCode::kPermissionDenied, "energy"));
}

TEST_F(PartnerReleaseTest, TheAllowListAnswersWholeMonthsNeverASingleRecordsTime) {
  ASSERT_OK(AllowMetrics({"energy"}));
  EXPECT_TRUE(Ask(Sum("energy").From("2026-03").To("2026-04").By("product")).ok());
  EXPECT_THAT(Ask(Sum("energy").From("2026-03-01T00:00:00Z").To("2026-03-01T00:00:01Z")),
              StatusIs(absl::StatusCode::kPermissionDenied, "no finer than month"));
  EXPECT_THAT(Ask(Sum("energy").By("day")),
              StatusIs(absl::StatusCode::kPermissionDenied, "no finer than month"));
}

TEST_F(PartnerReleaseTest, NarrowingOrRevokingTakesEffectForASessionAlreadyOpen) {
  ASSERT_OK(AllowMetrics({"energy"}));
  const Partner as_connected = *partners_->Find("acme");  // what a live session holds
  ASSERT_OK(AllowMetrics({}));
  PartnerQueryRelease narrowed(*context_, *me_, as_connected, acme_.public_key(),
                               Sign(Sum("energy"), acme_, clock_.Now()));
  EXPECT_THAT(pipeline_->RunBlocking(narrowed),
              StatusIs(absl::StatusCode::kPermissionDenied, "no metric"));
  ASSERT_OK(path_.stewardship->RevokePartner("acme").status());
  PartnerQueryRelease revoked(*context_, *me_, as_connected, acme_.public_key(),
                              Sign(Sum("energy"), acme_, clock_.Now()));
  EXPECT_THAT(pipeline_->RunBlocking(revoked),
              StatusIs(absl::StatusCode::kPermissionDenied, "no longer registered"));
}

TEST_F(PartnerReleaseTest, ChangingTheAllowListIsAudited) {
  ASSERT_TRUE(AllowMetrics({"energy"}).ok());
  EXPECT_THAT(AuditOf(AuditKind::kPartnerAllow, AuditDecision::kAllowed), SizeIs(1));
}

// ---- With a policy, only the policy decides.

TEST_F(PartnerReleaseTest, AGrantAnswersWhatItNamesAndNothingElse) {
  ASSERT_OK(Apply(kExactMonthly));
  absl::StatusOr<QueryResult> rows = Ask(Sum("energy").By("product"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(rows->rows, SizeIs(3));
  EXPECT_THAT(Ask(Sum("energy").By("line")), StatusIs(absl::StatusCode::kPermissionDenied, "line"));
}

TEST_F(PartnerReleaseTest, NothingFinerThanTheGrantsFinestBucket) {
  ASSERT_OK(Apply(kExactMonthly));
  EXPECT_TRUE(Ask(Sum("energy").By("month")).ok());
  EXPECT_THAT(Ask(Sum("energy").By("day")), StatusIs(absl::StatusCode::kPermissionDenied, "day"));
}

TEST_F(PartnerReleaseTest, ARepeatedEnvelopeIsRefusedAsAReplay) {
  ASSERT_OK(Apply(kExactMonthly));
  SignedBytes request = Sign(Sum("energy"), acme_, clock_.Now());
  EXPECT_TRUE(AskWith(request, acme_.public_key()).ok());
  EXPECT_THAT(AskWith(request, acme_.public_key()),
              StatusIs(absl::StatusCode::kPermissionDenied, "replayed"));
}

TEST_F(PartnerReleaseTest, ARequestSignedByAnotherKeyThanTheConnectionsIsUnauthenticated) {
  ASSERT_OK(Apply(kExactMonthly));
  EXPECT_THAT(AskWith(Sign(Sum("energy"), stranger_, clock_.Now()), acme_.public_key()),
              StatusIs(absl::StatusCode::kUnauthenticated, "not by the key of this connection"));
  EXPECT_THAT(AuditOf(AuditKind::kQuery, AuditDecision::kFailed), SizeIs(1));
}

TEST_F(PartnerReleaseTest, AStaleRequestIsRefusedAFreshOneAnswered) {
  ASSERT_OK(Apply(kExactMonthly));
  SignedBytes old = Sign(Sum("energy"), acme_, clock_.Now() - 301 * kMicrosPerSecond);
  EXPECT_THAT(AskWith(old, acme_.public_key()),
              StatusIs(absl::StatusCode::kPermissionDenied, "stale"));
  EXPECT_TRUE(Ask(Sum("energy")).ok());
}

TEST_F(PartnerReleaseTest, TheRateLimitRefusesThenRenewsWithTheClock) {
  ASSERT_OK(Apply(kRateLimited));
  EXPECT_TRUE(Ask(Sum("energy")).ok());
  EXPECT_TRUE(Ask(Sum("energy").By("month")).ok());
  EXPECT_THAT(Ask(Sum("energy")),
              StatusIs(absl::StatusCode::kResourceExhausted, "2 queries per minute"));
  clock_.Advance(61 * kMicrosPerSecond);
  EXPECT_TRUE(Ask(Sum("energy")).ok());
}

TEST_F(PartnerReleaseTest, ARestartDoesNotOpenAFreshRateLimitWindow) {
  ASSERT_OK(Apply(kRateLimited));
  EXPECT_TRUE(Ask(Sum("energy")).ok());
  EXPECT_TRUE(Ask(Sum("energy").By("month")).ok());
  Restart();
  EXPECT_THAT(Ask(Sum("energy")), StatusIs(absl::StatusCode::kResourceExhausted, "2 queries"));
  clock_.Advance(61 * kMicrosPerSecond);
  EXPECT_TRUE(Ask(Sum("energy")).ok());
}

TEST_F(PartnerReleaseTest, SmallGroupsAreWithheldLargeOnesReleased) {
  ASSERT_OK(Apply(kThresholds));
  absl::StatusOr<QueryResult> rows = Ask(Sum("energy").From("2026-01").To("2026-02").By("product"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_THAT(rows->rows, SizeIs(2));  // P3 has one record in January: withheld
  EXPECT_EQ(rows->rows[0].tags[0], "P1");
  EXPECT_EQ(rows->rows[1].tags[0], "P2");
}

TEST_F(PartnerReleaseTest, TheBudgetRunsOutButAnIdenticalRepeatIsFreeAndIdentical) {
  ASSERT_OK(Apply(kProtected));
  absl::StatusOr<QueryResult> first = Ask(Sum("energy").By("product"));
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<QueryResult> again = Ask(Sum("energy").By("product"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->rows[0].value, again->rows[0].value);
  EXPECT_TRUE(Ask(Sum("energy").By("month")).ok());
  EXPECT_THAT(Ask(Sum("energy")), StatusIs(absl::StatusCode::kResourceExhausted, "budget"));
}

TEST_F(PartnerReleaseTest, APolicyChangedBetweenDecisionAndCommitReleasesNothing) {
  ASSERT_OK(Apply(kExactMonthly));
  PartnerQueryRelease release(*context_, *me_, acme_partner_, acme_.public_key(),
                              Sign(Sum("energy"), acme_, clock_.Now()));
  ASSERT_TRUE(release.Open().ok());
  ASSERT_TRUE(release.Decide(*path_.gate).ok());
  ASSERT_OK(Apply(kRateLimited));
  ASSERT_TRUE(release.Prepare().ok());
  EXPECT_THAT(release.Commit(*path_.gate),
              StatusIs(absl::StatusCode::kUnavailable, "the policy changed"));
}

// ---- What the audit log says.

TEST_F(PartnerReleaseTest, EveryAnswerAndEveryRefusalIsAudited) {
  ASSERT_OK(Apply(kExactMonthly));
  EXPECT_TRUE(Ask(Sum("energy")).ok());
  EXPECT_FALSE(Ask(Sum("energy").By("line")).ok());
  std::vector<AuditEntry> allowed = AuditOf(AuditKind::kQuery, AuditDecision::kAllowed);
  ASSERT_THAT(allowed, SizeIs(1));
  EXPECT_EQ(allowed[0].partner, "acme");
  EXPECT_EQ(allowed[0].grant, "monthly");
  EXPECT_THAT(allowed[0].result_hash, Not(IsEmpty()));
  EXPECT_THAT(AuditOf(AuditKind::kQuery, AuditDecision::kDenied), SizeIs(1));
}

TEST_F(PartnerReleaseTest, RefusalsInALoopAreCountedNotAuditedOneByOne) {
  ASSERT_OK(Apply(kExactMonthly));
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(Ask(Sum("energy").By("line")).ok());
  EXPECT_THAT(AuditOf(AuditKind::kQuery, AuditDecision::kDenied), SizeIs(20));
  clock_.Advance(kMicrosPerMinute);
  path_.gate->FlushRefusals();
  std::vector<AuditEntry> denied = AuditOf(AuditKind::kQuery, AuditDecision::kDenied);
  ASSERT_THAT(denied, SizeIs(21));
  EXPECT_THAT(denied.back().reason, HasSubstr("80 more requests from partner 'acme'"));
  EXPECT_THAT(denied.back().reason, HasSubstr("80 x denied: "));
  EXPECT_TRUE(Ask(Sum("energy")).ok());  // and the partner is still answered
}

TEST_F(PartnerReleaseTest, AFailedAuditWriteRefusesPartnersUntilAWriteSucceedsAgain) {
  ASSERT_OK(Apply(kExactMonthly));
  path_.audit->InjectWriteFailures(1);
  EXPECT_THAT(Ask(Sum("energy")), StatusIs(absl::StatusCode::kUnavailable, "cannot be written"));
  EXPECT_THAT(Ask(Sum("energy")), StatusIs(absl::StatusCode::kUnavailable, "next try in 1 s"));
  clock_.Advance(2 * kMicrosPerSecond);
  EXPECT_TRUE(Ask(Sum("energy")).ok());
  EXPECT_TRUE(path_.audit->health().ok());
}

}  // namespace
}  // namespace cairn::release_testing
