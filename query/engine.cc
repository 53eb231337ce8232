#include "query/engine.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "query/range_plan.h"

namespace cairn {
namespace {

using SeriesInfo = RecordStore::Reader::SeriesInfo;

absl::Status ValidateClamp(const std::optional<ClampRange>& clamp, absl::string_view what) {
  if (!clamp) return absl::OkStatus();
  auto ok = [](double v) { return std::isfinite(v) && std::fabs(v) <= ExactSum::kMaxAbsValue; };
  if (!ok(clamp->lo) || !ok(clamp->hi) || clamp->lo > clamp->hi) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " [", clamp->lo, ", ", clamp->hi, "] must be finite with lo <= hi"));
  }
  return absl::OkStatus();
}

// Stored values are never -0.0; bounds must not be either, or min and max of clamped values
// would depend on the order they are read in.
std::optional<ClampRange> NoNegativeZero(std::optional<ClampRange> clamp) {
  if (clamp) {
    if (clamp->lo == 0) clamp->lo = 0.0;
    if (clamp->hi == 0) clamp->hi = 0.0;
  }
  return clamp;
}

// One side of the query: the metric's series, or a ratio denominator's.
struct Side {
  std::vector<SeriesInfo> series;
  std::optional<ClampRange> clamp;
  bool denominator = false;
};

struct Group {
  Aggregates numerator;
  Aggregates denominator;
  uint64_t series = 0;
  int64_t last_series = -1;  // serial of the last series counted
};

// Group key: (time group start, or 0 without time grouping; rank of the tag values).
using GroupKey = std::pair<Timestamp, size_t>;

class Execution {
 public:
  Execution(const Query& query, const ExecuteOptions& options, const RecordStore::Reader& reader,
            QueryStats* stats)
      : query_(query),
        options_(options),
        reader_(reader),
        stats_(stats),
        plan_(PlanRange(query.from, query.to, CoarsestLevelFor(query.time_group))) {}

  // Reads every piece of the plan for one series into `groups_`.
  absl::Status ScanSeries(const SeriesInfo& series, size_t tag_rank, int64_t serial,
                          const Side& side) {
    series_ = series.id;
    tag_rank_ = tag_rank;
    serial_ = serial;
    side_ = &side;
    target_ = nullptr;
    for (const RangePiece& piece : plan_) {
      if (piece.level && options_.use_rollups) {
        CAIRN_RETURN_IF_ERROR(ScanLevel(*piece.level, piece.from, piece.to));
      } else {
        CAIRN_RETURN_IF_ERROR(ScanRaw(piece.from, piece.to));
      }
    }
    return absl::OkStatus();
  }

  const std::map<GroupKey, Group>& groups() const { return groups_; }

 private:
  bool Usable(const Aggregates& a) const {
    const std::optional<ClampRange>& c = side_->clamp;
    return !c || a.count == 0 || (a.min >= c->lo && a.max <= c->hi);
  }

  double Clamped(double v) const {
    const std::optional<ClampRange>& c = side_->clamp;
    return c ? std::min(std::max(v, c->lo), c->hi) : v;
  }

  // The accumulator of the group `ts` falls in, for the current series and side. Buckets
  // and records arrive mostly in time order, so the last group is remembered.
  Aggregates* Target(Timestamp ts) {
    if (target_ == nullptr || ts < target_start_ || ts >= target_end_) {
      Timestamp start = 0;
      target_start_ = kMinTimestamp;
      target_end_ = kMaxTimestamp;
      if (query_.time_group) {
        start = target_start_ = BucketFloor(ts, *query_.time_group);
        target_end_ = BucketNext(start, *query_.time_group);
      }
      Group& group = groups_[GroupKey(start, tag_rank_)];
      if (group.last_series != serial_) {
        group.last_series = serial_;
        ++group.series;
      }
      target_ = side_->denominator ? &group.denominator : &group.numerator;
    }
    return target_;
  }

  absl::Status ScanRaw(Timestamp from, Timestamp to) {
    return reader_.ScanRecords(series_, from, to, [&](Timestamp ts, double v) {
      ++stats_->raw_records;
      Target(ts)->Add(Clamped(v));
    });
  }

  // Reads whole buckets of `level` in [from, to); a bucket the clamp would change is read
  // again from the level below (raw records below hours).
  absl::Status ScanLevel(RollupLevel level, Timestamp from, Timestamp to) {
    std::vector<Timestamp> finer;
    CAIRN_RETURN_IF_ERROR(
        reader_.ScanRollups(series_, level, from, to, [&](Timestamp start, const Aggregates& a) {
          ++stats_->rollup_buckets;
          if (a.count == 0) return;
          if (Usable(a)) {
            Target(start)->Merge(a);
          } else {
            finer.push_back(start);
          }
        }));
    for (Timestamp start : finer) {
      Timestamp end = LevelBucketEnd(level, start);
      if (level == RollupLevel::kHour) {
        CAIRN_RETURN_IF_ERROR(ScanRaw(start, end));
      } else {
        CAIRN_RETURN_IF_ERROR(
            ScanLevel(static_cast<RollupLevel>(static_cast<int>(level) - 1), start, end));
      }
    }
    return absl::OkStatus();
  }

  const Query& query_;
  const ExecuteOptions& options_;
  const RecordStore::Reader& reader_;
  QueryStats* const stats_;
  const std::vector<RangePiece> plan_;
  std::map<GroupKey, Group> groups_;

  // The series being scanned.
  SeriesId series_ = 0;
  size_t tag_rank_ = 0;
  int64_t serial_ = 0;
  const Side* side_ = nullptr;
  Aggregates* target_ = nullptr;
  Timestamp target_start_ = 0, target_end_ = 0;
};

std::vector<std::string> TagValues(const SeriesInfo& series, const std::vector<std::string>& tags) {
  std::vector<std::string> values;
  values.reserve(tags.size());
  for (const std::string& tag : tags) values.emplace_back(series.key->Tag(tag));
  return values;
}

std::optional<double> RowValue(Aggregate aggregate, const Group& g) {
  const Aggregates& n = g.numerator;
  switch (aggregate) {
    case Aggregate::kSum:
      return n.sum.ToDouble();
    case Aggregate::kCount:
      return static_cast<double>(n.count);
    case Aggregate::kMean:
      return n.sum.ToDouble() / static_cast<double>(n.count);
    case Aggregate::kMin:
      return n.min;
    case Aggregate::kMax:
      return n.max;
    case Aggregate::kRatio:
      if (g.denominator.sum.IsZero()) return std::nullopt;
      return n.sum.ToDouble() / g.denominator.sum.ToDouble();
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<QueryResult> ExecuteQuery(const RecordStore& store, const Query& query,
                                         const ExecuteOptions& options) {
  CAIRN_RETURN_IF_ERROR(ValidateQuery(query, store.Metrics()));
  CAIRN_RETURN_IF_ERROR(ValidateClamp(options.clamp, "clamp range"));
  CAIRN_RETURN_IF_ERROR(ValidateClamp(options.denominator_clamp, "denominator clamp range"));

  std::unique_ptr<RecordStore::Reader> reader = store.NewReader();
  std::vector<std::pair<std::string, std::vector<std::string>>> filters;
  for (const TagFilter& f : query.filters) filters.emplace_back(f.tag, f.values);

  std::vector<Side> sides(1);
  sides[0].series = reader->FindSeries(query.metric, filters);
  if (query.aggregate != Aggregate::kCount) sides[0].clamp = NoNegativeZero(options.clamp);
  if (query.aggregate == Aggregate::kRatio) {
    Side& den = sides.emplace_back();
    den.series = reader->FindSeries(query.ratio_denominator, filters);
    den.clamp = NoNegativeZero(options.denominator_clamp);
    den.denominator = true;
  }

  // Rank the distinct tag-value tuples so that group keys sort rows by tags.
  std::vector<std::vector<std::string>> tuples;
  for (const Side& side : sides) {
    for (const SeriesInfo& s : side.series) tuples.push_back(TagValues(s, query.group_tags));
  }
  std::sort(tuples.begin(), tuples.end());
  tuples.erase(std::unique(tuples.begin(), tuples.end()), tuples.end());

  QueryResult result;
  result.time_group = query.time_group;
  result.group_tags = query.group_tags;
  Execution execution(query, options, *reader, &result.stats);
  int64_t serial = 0;
  for (const Side& side : sides) {
    result.stats.series += side.series.size();
    for (const SeriesInfo& s : side.series) {
      size_t rank = std::lower_bound(tuples.begin(), tuples.end(), TagValues(s, query.group_tags)) -
                    tuples.begin();
      CAIRN_RETURN_IF_ERROR(execution.ScanSeries(s, rank, serial++, side));
    }
  }

  for (const auto& [key, group] : execution.groups()) {
    ResultRow row;
    if (query.time_group) row.bucket = key.first;
    row.tags = tuples[key.second];
    row.records = group.numerator.count + group.denominator.count;
    row.series = group.series;
    row.value = RowValue(query.aggregate, group);
    result.rows.push_back(std::move(row));
  }
  return result;
}

}  // namespace cairn
