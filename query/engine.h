// The aggregate engine: runs a Query over a RecordStore snapshot.
//
// Plan: select the series of the metric (and denominator) that match the filters; split each
// time group's interval within [from, to) into whole rollup buckets (month, day, hour) and
// ragged edges read from raw records; combine per group with exact sums. Rows are sorted by
// bucket then tag values. Thread-safe: any number of queries may run concurrently.
#ifndef CAIRN_QUERY_ENGINE_H_
#define CAIRN_QUERY_ENGINE_H_

#include "absl/status/statusor.h"
#include "model/query.h"
#include "storage/record_store.h"

namespace cairn {

struct ExecuteOptions {
  // false: read only raw records (the reference path; also measures raw-scan speed).
  bool use_rollups = true;
};

// InvalidArgument / NotFound as ValidateQuery; Internal for storage errors.
absl::StatusOr<QueryResult> ExecuteQuery(const RecordStore& store, const Query& query,
                                         const ExecuteOptions& options = {});

}  // namespace cairn

#endif  // CAIRN_QUERY_ENGINE_H_
