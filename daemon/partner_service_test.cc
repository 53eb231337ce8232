#include "daemon/partner_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cairn {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class EnvelopeCheckTest : public ::testing::Test {
 protected:
  EnvelopeCheckTest()
      : customer_(Identity::Generate()),
        supplier_(Identity::Generate()),
        stranger_(Identity::Generate()) {
    query_.metric = "energy";
  }
  QueryRequestInfo Request(const Identity& from, const Identity& to, Timestamp at) {
    return *OpenQueryRequest(*SignQueryRequest(from, to.public_key(), query_, at));
  }
  absl::Status Check(const QueryRequestInfo& r, Timestamp now = kNow) {
    return PartnerService::CheckEnvelope(r, customer_.public_key(), supplier_.public_key(), now,
                                         kWindow);
  }
  static constexpr Timestamp kNow = 1'800'000'000LL * kMicrosPerSecond;
  static constexpr Timestamp kWindow = 300 * kMicrosPerSecond;
  Identity customer_, supplier_, stranger_;
  Query query_;
};

TEST_F(EnvelopeCheckTest, FreshRequestFromTheConnectionsKeyToUsPasses) {
  EXPECT_TRUE(Check(Request(customer_, supplier_, kNow - 10 * kMicrosPerSecond)).ok());
}

TEST_F(EnvelopeCheckTest, SignedByAnotherKeyThanTheConnection) {
  EXPECT_THAT(Check(Request(stranger_, supplier_, kNow)).message(),
              HasSubstr("not by the key of this connection"));
}

TEST_F(EnvelopeCheckTest, AddressedToSomeoneElse) {
  EXPECT_THAT(Check(Request(customer_, stranger_, kNow)).message(), HasSubstr("not to us"));
}

TEST_F(EnvelopeCheckTest, StaleAndFutureRequests) {
  EXPECT_THAT(Check(Request(customer_, supplier_, kNow - kWindow - 1)).message(),
              HasSubstr("stale request"));
  EXPECT_THAT(Check(Request(customer_, supplier_, kNow + kWindow + kMicrosPerSecond)).message(),
              HasSubstr("in the future"));
  EXPECT_TRUE(Check(Request(customer_, supplier_, kNow - kWindow)).ok());
}

TEST(Authorize, MetricsMustBeOnTheAllowList) {
  Partner p;
  p.name = "acme";
  p.allowed_metrics = {"co2e_scope1", "units_produced"};
  Query q;
  q.metric = "co2e_scope1";
  EXPECT_TRUE(AuthorizeByAllowList(p, q).ok());
  q.aggregate = Aggregate::kRatio;
  q.ratio_denominator = "units_produced";
  EXPECT_TRUE(AuthorizeByAllowList(p, q).ok());
  q.ratio_denominator = "energy";
  EXPECT_THAT(AuthorizeByAllowList(p, q).message(), HasSubstr("metric energy"));
  p.allowed_metrics.clear();
  EXPECT_THAT(AuthorizeByAllowList(p, q).message(), HasSubstr("no metric is allowed"));
}

TEST(ForPartnerTest, RefusalsReachThePartnerAsTheyAre) {
  absl::Status refused = absl::PermissionDeniedError("grant 'x' allows months, not days");
  EXPECT_EQ(PartnerService::ForPartner(refused, "h"), refused);
  EXPECT_EQ(PartnerService::ForPartner(absl::ResourceExhaustedError("budget"), "h").message(),
            "budget");
}

TEST(ForPartnerTest, TheDaemonsOwnFailuresReachItWithoutTheirDetail) {
  absl::Status s = PartnerService::ForPartner(
      absl::InternalError("IO error: /var/lib/cairn/db/000012.sst: No space left"), "\x01\x02");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), Not(HasSubstr("/var/lib")));
  EXPECT_THAT(s.message(), HasSubstr("audit log under request 0102"));
  s = PartnerService::ForPartner(
      absl::UnavailableError("the audit log cannot be written (IO error: sst)"), "h");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), Not(HasSubstr("IO error")));
}

}  // namespace
}  // namespace cairn
