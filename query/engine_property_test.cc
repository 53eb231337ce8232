// Property test of the engine and the store together: random series, random points with
// overwrites and in-batch duplicates over several batches, random queries. For every query the
// rollup path, the raw path and a brute-force reference computed from an in-memory model must
// agree exactly (values bit for bit, records, series), and CheckConsistency must pass.
// The seed is random unless CAIRN_SEED is set; it is printed so a failure can be replayed.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "query/engine.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FreshTestDir;

Timestamp T(const char* text) { return *ParseTimestamp(text); }

uint64_t Bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, 8);
  return b;
}

const std::vector<std::string> kTagNames = {"line", "product", "site"};
const std::vector<std::vector<std::string>> kTagValues = {
    {"", "1", "2"}, {"", "a", "b", "c"}, {"", "x", "y"}};

class EnginePropertyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = std::random_device()();
    if (const char* env = std::getenv("CAIRN_SEED")) seed_ = std::strtoull(env, nullptr, 10);
    std::cout << "seed " << seed_ << " (rerun with CAIRN_SEED=" << seed_ << ")" << std::endl;
    RecordProperty("seed", std::to_string(seed_));
    rng_.seed(seed_);
    Database::Options options;
    options.path = FreshTestDir("property");
    options.sync = false;  // durability is not under test here; speed is welcome
    db_ = std::move(*Database::Open(options));
    store_ = std::move(*RecordStore::Open(db_.get()));
  }

  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  SeriesKey RandomSeries() {
    SeriesKey key;
    key.metric = Chance(0.7) ? "energy" : "units_produced";
    for (size_t t = 0; t < kTagNames.size(); ++t) {
      const std::string& v = kTagValues[t][Uniform(0, kTagValues[t].size() - 1)];
      if (!v.empty()) key.tags.emplace_back(kTagNames[t], v);
    }
    return key;
  }

  void AddRandomSeries() {
    SeriesKey key = RandomSeries();
    if (std::find(series_.begin(), series_.end(), key) == series_.end()) series_.push_back(key);
  }

  double RandomValue() {
    switch (Uniform(0, 5)) {
      case 0:
        return static_cast<double>(Uniform(-5, 5));  // ties for min and max
      case 1:
        return std::uniform_real_distribution<double>(-1e12, 1e12)(rng_);
      case 2:
        return std::uniform_real_distribution<double>(-1e-9, 1e-9)(rng_);
      case 3:
        return 0;
      default:
        return std::uniform_real_distribution<double>(0, 1000)(rng_);
    }
  }

  Timestamp RandomTime() {
    Timestamp t =
        span_from_ + Uniform(0, (span_to_ - span_from_) / kMicrosPerSecond - 1) * kMicrosPerSecond;
    if (Chance(0.1)) t -= t % kMicrosPerHour;  // exactly on an hour boundary
    return t;
  }

  // A batch of new points, overwrites (changed or unchanged) and in-batch duplicates.
  void ApplyRandomBatch(int points) {
    RecordBatch batch;
    std::map<int, uint32_t> index;  // model series -> batch series index
    auto batch_series = [&](int s) {
      auto [it, inserted] = index.emplace(s, batch.series.size());
      if (inserted) batch.series.push_back(series_[s]);
      return it->second;
    };
    std::map<std::pair<int, Timestamp>, double> applied;
    for (int i = 0; i < points; ++i) {
      int s;
      Timestamp ts;
      if (!model_.empty() && Chance(0.3)) {  // revisit a stored key
        auto it = model_.begin();
        std::advance(it, Uniform(0, std::min<int64_t>(model_.size() - 1, 5000)));
        s = it->first.first;
        ts = it->first.second;
      } else if (!applied.empty() && Chance(0.05)) {  // duplicate within the batch
        s = applied.begin()->first.first;
        ts = applied.begin()->first.second;
      } else {
        if (series_.empty() || (series_.size() < 16 && Chance(0.05))) AddRandomSeries();
        s = Uniform(0, series_.size() - 1);
        ts = RandomTime();
      }
      double v = Chance(0.3) && model_.count({s, ts}) ? model_[{s, ts}] : RandomValue();
      batch.points.push_back({batch_series(s), ts, v});
      applied[{s, ts}] = v;
    }
    absl::StatusOr<ImportOutcome> outcome = store_->Apply(batch);
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    for (const auto& [key, v] : applied) model_[key] = v;
  }

  Query RandomQuery(ExecuteOptions* options) {
    Query q;
    q.aggregate = static_cast<Aggregate>(Uniform(0, 5));
    q.metric = Chance(0.8) ? "energy" : "units_produced";
    if (q.aggregate == Aggregate::kRatio) {
      q.ratio_denominator = q.metric == "energy" ? "units_produced" : "energy";
    }
    if (Chance(0.8)) q.time_group = static_cast<Granularity>(Uniform(0, 5));
    for (const std::string& tag : kTagNames) {
      if (Chance(0.3)) q.group_tags.push_back(tag);
    }
    if (Chance(0.3)) std::reverse(q.group_tags.begin(), q.group_tags.end());
    for (size_t t = 0; t < kTagNames.size(); ++t) {
      if (!Chance(0.25)) continue;
      TagFilter f{kTagNames[t], {}};
      for (const std::string& v : kTagValues[t]) {
        if (Chance(0.5)) f.values.push_back(v);
      }
      if (f.values.empty()) f.values.push_back("zzz");
      q.filters.push_back(f);
    }
    auto edge = [&] {
      Timestamp t = span_from_ - 10 * kMicrosPerDay +
                    Uniform(0, (span_to_ - span_from_ + 20 * kMicrosPerDay) / kMicrosPerSecond) *
                        kMicrosPerSecond;
      switch (Uniform(0, 4)) {
        case 0:
          return BucketFloor(t, Granularity::kMonth);
        case 1:
          return BucketFloor(t, Granularity::kDay);
        case 2:
          return BucketFloor(t, Granularity::kHour);
        default:
          return t;  // ragged
      }
    };
    if (Chance(0.9)) {
      do {
        q.from = edge();
        q.to = edge();
      } while (q.from == q.to);
      if (q.from > q.to) std::swap(q.from, q.to);
    }
    options->clamp.reset();
    options->denominator_clamp.reset();
    if (Chance(0.3))
      options->clamp =
          ClampRange{static_cast<double>(-Uniform(0, 10)), static_cast<double>(Uniform(0, 2000))};
    if (Chance(0.2)) options->denominator_clamp = ClampRange{0, 500};
    return q;
  }

  // Brute force over the model.
  QueryResult Reference(const Query& q, const ExecuteOptions& options) {
    struct Acc {
      Aggregates num, den;
      std::set<int> series;
    };
    std::map<std::pair<Timestamp, std::vector<std::string>>, Acc> groups;
    for (const auto& [key, value] : model_) {
      const SeriesKey& s = series_[key.first];
      bool numerator = s.metric == q.metric;
      if (!numerator && !(q.aggregate == Aggregate::kRatio && s.metric == q.ratio_denominator)) {
        continue;
      }
      if (key.second < q.from || key.second >= q.to) continue;
      bool pass = true;
      for (const TagFilter& f : q.filters) {
        pass = pass && std::count(f.values.begin(), f.values.end(), s.Tag(f.tag)) > 0;
      }
      if (!pass) continue;
      std::vector<std::string> tags;
      for (const std::string& t : q.group_tags) tags.emplace_back(s.Tag(t));
      Timestamp bucket = q.time_group ? BucketFloor(key.second, *q.time_group) : 0;
      Acc& acc = groups[{bucket, tags}];
      const std::optional<ClampRange>& clamp =
          numerator ? (q.aggregate == Aggregate::kCount ? std::nullopt : options.clamp)
                    : options.denominator_clamp;
      double v = clamp ? std::min(std::max(value, clamp->lo), clamp->hi) : value;
      (numerator ? acc.num : acc.den).Add(v);
      acc.series.insert(key.first);
    }
    QueryResult result;
    for (const auto& [key, acc] : groups) {
      ResultRow row;
      if (q.time_group) row.bucket = key.first;
      row.tags = key.second;
      row.records = acc.num.count + acc.den.count;
      row.series = acc.series.size();
      switch (q.aggregate) {
        case Aggregate::kSum:
          row.value = acc.num.sum.ToDouble();
          break;
        case Aggregate::kCount:
          row.value = static_cast<double>(acc.num.count);
          break;
        case Aggregate::kMean:
          row.value = acc.num.sum.ToDouble() / static_cast<double>(acc.num.count);
          break;
        case Aggregate::kMin:
          row.value = acc.num.min;
          break;
        case Aggregate::kMax:
          row.value = acc.num.max;
          break;
        case Aggregate::kRatio:
          if (!acc.den.sum.IsZero()) row.value = acc.num.sum.ToDouble() / acc.den.sum.ToDouble();
          break;
      }
      result.rows.push_back(row);
    }
    return result;
  }

  static std::string Render(const ResultRow& r) {
    return absl::StrCat(r.bucket ? FormatTimestamp(*r.bucket) : "-", " [",
                        absl::StrJoin(r.tags, ","), "] ",
                        r.value ? absl::StrCat(Bits(*r.value), "=", *r.value) : "none", " r",
                        r.records, " s", r.series);
  }

  static std::vector<std::string> Render(const QueryResult& result) {
    std::vector<std::string> out;
    for (const ResultRow& r : result.rows) out.push_back(Render(r));
    return out;
  }

  // "" when equal, else the first row that differs.
  static std::string FirstDifference(const std::vector<std::string>& got,
                                     const std::vector<std::string>& want) {
    for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
      std::string g = i < got.size() ? got[i] : "(none)";
      std::string w = i < want.size() ? want[i] : "(none)";
      if (g != w) return absl::StrCat("row ", i, ": got ", g, ", want ", w);
    }
    return "";
  }

  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
  const Timestamp span_from_ = T("2025-11-20T00:00:00Z");
  const Timestamp span_to_ = T("2026-03-10T00:00:00Z");
  std::vector<SeriesKey> series_;
  std::map<std::pair<int, Timestamp>, double> model_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<RecordStore> store_;
};

TEST_F(EnginePropertyTest, RollupsRawScansAndTheModelAgreeExactly) {
  uint64_t rollup_buckets = 0, raw_records = 0;
  for (int round = 0; round < 8; ++round) {
    ApplyRandomBatch(4000);
    ASSERT_TRUE(store_->CheckConsistency().ok())
        << store_->CheckConsistency() << " after batch " << round << ", seed " << seed_;
    for (int i = 0; i < 80; ++i) {
      ExecuteOptions options;
      Query q = RandomQuery(&options);
      SCOPED_TRACE(absl::StrCat("seed ", seed_, " round ", round, " query ", i, ": ",
                                DescribeQuery(q), options.clamp ? " clamped" : ""));
      absl::StatusOr<QueryResult> fast = ExecuteQuery(*store_, q, options);
      ExecuteOptions raw_options = options;
      raw_options.use_rollups = false;
      absl::StatusOr<QueryResult> raw = ExecuteQuery(*store_, q, raw_options);
      ASSERT_TRUE(fast.ok()) << fast.status();
      ASSERT_TRUE(raw.ok()) << raw.status();
      std::vector<std::string> expected = Render(Reference(q, options));
      ASSERT_EQ(FirstDifference(Render(*fast), expected), "") << "rollup path vs model";
      ASSERT_EQ(FirstDifference(Render(*raw), expected), "") << "raw path vs model";
      EXPECT_EQ(raw->stats.rollup_buckets, 0u);
      rollup_buckets += fast->stats.rollup_buckets;
      raw_records += raw->stats.raw_records;
    }
  }
  EXPECT_EQ(store_->Stats().records, model_.size());
  EXPECT_GT(rollup_buckets, 0u);  // the rollup path was exercised
  std::cout << model_.size() << " records in " << series_.size() << " series; " << rollup_buckets
            << " rollup buckets and " << raw_records << " raw records read" << std::endl;
}

}  // namespace
}  // namespace cairn
