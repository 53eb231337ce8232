// Aggregate queries and their results, independent of how they travel or are executed.
//
// A query names a metric (or a ratio of two), an aggregate, a half-open UTC time range
// [from, to), tag filters, and a grouping by one time granularity and/or tags. A result row
// exists for every group that holds at least one record. Value types; thread-compatible.
#ifndef CAIRN_MODEL_QUERY_H_
#define CAIRN_MODEL_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "model/metric_registry.h"

namespace cairn {

enum class Aggregate { kSum, kCount, kMean, kMin, kMax, kRatio };

absl::string_view AggregateName(Aggregate a);  // "sum", "count", ...
std::optional<Aggregate> ParseAggregate(absl::string_view name);

struct TagFilter {
  std::string tag;
  std::vector<std::string> values;  // the record's tag must equal one of these
};

struct Query {
  std::string metric;
  Aggregate aggregate = Aggregate::kSum;
  std::string ratio_denominator;   // with kRatio: value = sum(metric) / sum(ratio_denominator)
  Timestamp from = kMinTimestamp;  // inclusive
  Timestamp to = kMaxTimestamp;    // exclusive
  std::optional<Granularity> time_group;
  std::vector<std::string> group_tags;
  std::vector<TagFilter> filters;
};

// InvalidArgument when the query cannot be run: unknown metric (NotFound), ratio without a
// denominator or a denominator without kRatio, empty or inverted range, bad tag names,
// a tag grouped twice, or a filter without values.
absl::Status ValidateQuery(const Query& query, const MetricRegistry& registry);

// A one-line, human-readable rendering ("sum(energy) 2026-01..2026-02 by month,product").
std::string DescribeQuery(const Query& query);

struct ResultRow {
  std::optional<Timestamp> bucket;  // start of the time group, when grouped by time
  std::vector<std::string> tags;    // one value per Query::group_tags; "" if the series lacks it
  std::optional<double> value;      // absent for a ratio whose denominator sums to zero
  uint64_t records = 0;             // records read for this row (both metrics of a ratio)
  uint64_t series = 0;              // distinct series contributing (both metrics of a ratio)
};

struct QueryStats {
  uint64_t series = 0;          // series that matched the filters
  uint64_t rollup_buckets = 0;  // rollup entries read
  uint64_t raw_records = 0;     // raw records read at range edges or without rollups
};

struct QueryResult {
  std::optional<Granularity> time_group;
  std::vector<std::string> group_tags;
  std::vector<ResultRow> rows;  // sorted by bucket, then tags
  QueryStats stats;
};

}  // namespace cairn

#endif  // CAIRN_MODEL_QUERY_H_
