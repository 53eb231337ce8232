// The aggregate engine: runs a Query over a RecordStore snapshot.
//
// Plan: select the series of the metric (and denominator) that match the filters; split the
// range [from, to) into ragged edges read from raw records and whole hours, days and months
// read from rollups (never coarser than the time grouping: week and day groups read at most
// days, hour groups hours); route every bucket or record to its (time group, tag values)
// group and combine with exact sums. Rows are sorted by bucket then tag values. Thread-safe:
// any number of queries may run concurrently, also with the store's writer.
#ifndef CAIRN_QUERY_ENGINE_H_
#define CAIRN_QUERY_ENGINE_H_

#include <optional>

#include "absl/status/statusor.h"
#include "model/query.h"
#include "query/clamp_range.h"
#include "storage/record_store.h"

namespace cairn {

struct ExecuteOptions {
  // false: read only raw records (the reference path; also measures raw-scan speed).
  bool use_rollups = true;
  // Clamp each record of the query's metric (for bounded contributions under differential
  // privacy). A rollup bucket is used as-is only when it is empty or all its values lie within
  // the bounds (min >= lo and max <= hi); otherwise its finer buckets, and in the end its raw
  // records, are read and clamped one by one. Results equal clamping every raw record.
  // Ignored by the count aggregate, which clamping cannot change.
  std::optional<ClampRange> clamp;
  // The same for the records of a ratio's denominator metric.
  std::optional<ClampRange> denominator_clamp;
};

// Returns rows for every group holding at least one record (of either metric of a ratio).
// InvalidArgument / NotFound as ValidateQuery, InvalidArgument for a clamp range that is
// inverted, not finite or beyond ExactSum::kMaxAbsValue; DataLoss / Internal for storage errors.
absl::StatusOr<QueryResult> ExecuteQuery(const RecordStore& store, const Query& query,
                                         const ExecuteOptions& options = {});

}  // namespace cairn

#endif  // CAIRN_QUERY_ENGINE_H_
