#include "protocol/convert.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

TEST(Convert, QueryRoundTrip) {
  Query q;
  q.metric = "co2e_scope1";
  q.aggregate = Aggregate::kRatio;
  q.ratio_denominator = "units_produced";
  q.from = 100;
  q.to = 200;
  q.time_group = Granularity::kQuarter;
  q.group_tags = {"product"};
  q.filters = {{"site", {"gent", "linz"}}};
  capnp::MallocMessageBuilder message;
  ToProto(q, message.initRoot<proto::Query>());
  absl::StatusOr<Query> back = FromProto(message.getRoot<proto::Query>().asReader());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(DescribeQuery(*back), DescribeQuery(q));
  EXPECT_EQ(back->filters[0].values, q.filters[0].values);
}

TEST(Convert, ResultRoundTrip) {
  QueryResult r;
  r.time_group = Granularity::kMonth;
  r.group_tags = {"product"};
  r.rows.push_back({Timestamp{5}, {"P1"}, 1.5, 10, 2});
  r.rows.push_back({Timestamp{6}, {"P2"}, std::nullopt, 3, 1});
  capnp::MallocMessageBuilder message;
  ToProto(r, message.initRoot<proto::QueryResult>());
  absl::StatusOr<QueryResult> back = FromProto(message.getRoot<proto::QueryResult>().asReader());
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->rows.size(), 2u);
  EXPECT_EQ(back->rows[0].value, 1.5);
  EXPECT_FALSE(back->rows[1].value.has_value());
  EXPECT_EQ(back->rows[1].records, 3u);
}

TEST(Convert, CanonicalBytesAreStableAndRoundTrip) {
  QueryResult r;
  r.group_tags = {"product"};
  r.rows.push_back({std::nullopt, {"P1"}, 2.5, 7, 1});
  EXPECT_EQ(CanonicalBytes(r), CanonicalBytes(r));
  absl::StatusOr<QueryResult> back = QueryResultFromBytes(CanonicalBytes(r));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->rows[0].value, 2.5);
  Query a, b;
  a.metric = b.metric = "energy";
  EXPECT_EQ(CanonicalBytes(a), CanonicalBytes(b));
  b.filters = {{"site", {"x"}}};
  EXPECT_NE(CanonicalBytes(a), CanonicalBytes(b));
  EXPECT_FALSE(QueryResultFromBytes("abc").ok());
}

TEST(Convert, BatchRoundTripNormalisesTags) {
  RecordBatch batch;
  batch.series.push_back({"energy", {{"site", "A"}, {"line", "L1"}}});
  batch.points.push_back({0, 1000, 2.5});
  capnp::MallocMessageBuilder message;
  ToProto(batch, message.initRoot<proto::RecordBatch>());
  absl::StatusOr<RecordBatch> back = FromProto(message.getRoot<proto::RecordBatch>().asReader());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->series[0].tags.front().first, "line");
  EXPECT_EQ(back->points[0].value, 2.5);
}

TEST(Convert, RejectsRaggedColumns) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<proto::RecordBatch>();
  b.initSeriesIndex(2);
  b.initTimestamps(1);
  b.initValues(2);
  EXPECT_THAT(FromProto(b.asReader()).status().message(), HasSubstr("columns differ"));
}

TEST(Convert, RejectsBadTagsWithTheirIndex) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<proto::RecordBatch>();
  auto s = b.initSeries(2);
  s[1].setMetric("energy");
  auto tags = s[1].initTags(1);
  tags[0].setName("Bad Name");
  tags[0].setValue("x");
  EXPECT_THAT(FromProto(b.asReader()).status().message(), HasSubstr("series[1]"));
}

TEST(Convert, RejectsUnknownEnums) {
  capnp::MallocMessageBuilder message;
  auto q = message.initRoot<proto::Query>();
  q.setAggregate(static_cast<proto::Aggregate>(77));
  EXPECT_THAT(FromProto(q.asReader()).status().message(), HasSubstr("aggregate"));
}

// ToProto writes strings through c_str(): a value with a NUL byte would come back cut short,
// and a query answered with one filter would be attested with another.
TEST(Convert, RejectsTextWithNulBytes) {
  capnp::MallocMessageBuilder message;
  auto q = message.initRoot<proto::Query>();
  q.setMetric("energy");
  auto filters = q.initFilters(1);
  filters[0].setTag("product");
  filters[0].initValues(2).set(1, capnp::Text::Reader("P-100\0x", 7));
  EXPECT_THAT(FromProto(q.asReader()).status().message(),
              HasSubstr("filter values: contains a NUL"));
  filters[0].getValues().set(1, "P-100");
  EXPECT_TRUE(FromProto(q.asReader()).ok());

  auto b = message.initRoot<proto::RecordBatch>();
  b.initSeries(1)[0].setMetric(capnp::Text::Reader("energy\0", 7));
  EXPECT_THAT(FromProto(b.asReader()).status().message(), HasSubstr("series[0]: contains a NUL"));
}

// A list fetched once per element is charged to the traversal limit once per element: the
// decoder must read a batch in time and budget linear in its size.
TEST(Convert, ManySeriesDecodeWithinTheDefaultTraversalLimit) {
  RecordBatch batch;
  for (int i = 0; i < 20000; ++i) batch.series.push_back({"energy", {{"site", absl::StrCat(i)}}});
  batch.points.push_back({19999, 1000, 2.5});
  capnp::MallocMessageBuilder message;
  ToProto(batch, message.initRoot<proto::RecordBatch>());
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  capnp::FlatArrayMessageReader reader(words);  // default ReaderOptions: 64 MiB of traversal
  absl::StatusOr<RecordBatch> back = FromProto(reader.getRoot<proto::RecordBatch>());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->series.size(), 20000u);
  EXPECT_EQ(back->series[19999].Tag("site"), "19999");
}

}  // namespace
}  // namespace cairn
