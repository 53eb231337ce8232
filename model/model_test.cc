#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/metric_registry.h"
#include "model/query.h"
#include "model/series.h"
#include "model/units.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

TEST(Units, ConvertsWithinADimension) {
  EXPECT_DOUBLE_EQ(*ConversionFactor("MWh", "kWh"), 1000.0);
  EXPECT_DOUBLE_EQ(*ConversionFactor("Wh", "kWh"), 0.001);
  EXPECT_DOUBLE_EQ(*ConversionFactor("GJ", "kWh"), 1000.0 / 3.6);
  EXPECT_DOUBLE_EQ(*ConversionFactor("t", "kg"), 1000.0);
  EXPECT_DOUBLE_EQ(*ConversionFactor("g", "kg"), 0.001);
  EXPECT_DOUBLE_EQ(*ConversionFactor("tCO2e", "kg"), 1000.0);
}

TEST(Units, RejectsAcrossDimensions) {
  EXPECT_THAT(ConversionFactor("kg", "kWh").status().message(),
              HasSubstr("'kg' (mass) cannot be converted to 'kWh' (energy)"));
  EXPECT_THAT(ConversionFactor("furlong", "kWh").status().message(), HasSubstr("unknown unit"));
}

TEST(MetricRegistry, BuiltinsAndConversion) {
  MetricRegistry r;
  for (const char* m : {"units_produced", "output_mass", "energy", "electricity", "fuel",
                        "co2e_scope1", "co2e_scope2", "scrap", "water"}) {
    EXPECT_NE(r.Find(m), nullptr) << m;
  }
  EXPECT_DOUBLE_EQ(*r.ToCanonical("energy", "MWh", 2.5), 2500.0);
  EXPECT_THAT(r.ToCanonical("energy", "kg", 1).status().message(), HasSubstr("metric energy"));
  EXPECT_EQ(r.ToCanonical("nope", "kWh", 1).status().code(), absl::StatusCode::kNotFound);
}

TEST(MetricRegistry, RegistersCustomMetrics) {
  MetricRegistry r;
  EXPECT_TRUE(r.Register({"steam", "t", "process steam"}).ok());
  EXPECT_DOUBLE_EQ(*r.ToCanonical("steam", "kg", 500), 0.5);
  EXPECT_TRUE(r.Register({"steam", "t", ""}).ok());
  EXPECT_EQ(r.Register({"steam", "kg", ""}).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.Register({"Bad-Name", "kg", ""}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(r.Register({"machine_hours", "machine-h", ""}).ok());
  EXPECT_TRUE(r.ToCanonical("machine_hours", "machine-h", 1).ok());
}

TEST(Series, EncodeDecodeRoundTrip) {
  SeriesKey key{"energy", {{"line", "L1"}, {"site", "Gent"}}};
  SeriesKey back;
  ASSERT_TRUE(SeriesKey::Decode(key.Encode(), &back));
  EXPECT_EQ(back, key);
  EXPECT_EQ(back.Tag("site"), "Gent");
  EXPECT_EQ(back.Tag("product"), "");
}

TEST(Series, NormalizeTags) {
  Tags tags = {{"site", "A"}, {"batch", ""}, {"line", "L1"}};
  ASSERT_TRUE(NormalizeTags(&tags).ok());
  EXPECT_EQ(tags, (Tags{{"line", "L1"}, {"site", "A"}}));
  Tags reserved = {{"month", "x"}};
  EXPECT_THAT(NormalizeTags(&reserved).message(), HasSubstr("reserved"));
  Tags twice = {{"a", "x"}, {"a", "y"}};
  EXPECT_THAT(NormalizeTags(&twice).message(), HasSubstr("twice"));
}

TEST(Query, Validation) {
  MetricRegistry r;
  Query q;
  q.metric = "energy";
  EXPECT_TRUE(ValidateQuery(q, r).ok());
  q.aggregate = Aggregate::kRatio;
  EXPECT_THAT(ValidateQuery(q, r).message(), HasSubstr("--ratio-to"));
  q.ratio_denominator = "units_produced";
  EXPECT_TRUE(ValidateQuery(q, r).ok());
  q.from = q.to;
  EXPECT_THAT(ValidateQuery(q, r).message(), HasSubstr("empty time range"));
  Query g;
  g.metric = "energy";
  g.group_tags = {"product", "product"};
  EXPECT_THAT(ValidateQuery(g, r).message(), HasSubstr("twice"));
}

}  // namespace
}  // namespace cairn
