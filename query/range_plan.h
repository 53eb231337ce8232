// RangePlan: how a query's time range is read — ragged edges from raw records, the rest from
// the coarsest rollup level whose whole buckets fit.
//
// [from, to) becomes, in time order: raw edge, whole hours, whole days, whole months, whole
// days, whole hours, raw edge (empty pieces omitted; levels above `coarsest` not used). Every
// bucket of a piece lies inside one bucket of any time grouping whose buckets are unions of
// `coarsest` buckets, so a piece's buckets can be routed to groups one by one.
// Pure functions; thread-safe.
#ifndef CAIRN_QUERY_RANGE_PLAN_H_
#define CAIRN_QUERY_RANGE_PLAN_H_

#include <optional>
#include <vector>

#include "base/time.h"
#include "storage/rollup.h"

namespace cairn {

struct RangePiece {
  std::optional<RollupLevel> level;  // nullopt: raw records
  Timestamp from;                    // aligned to `level` when set
  Timestamp to;                      // exclusive; aligned to `level` when set
};

// The coarsest rollup level whose buckets nest inside every group of `time_group` (month
// when there is no time grouping).
RollupLevel CoarsestLevelFor(std::optional<Granularity> time_group);

// Requires from < to.
std::vector<RangePiece> PlanRange(Timestamp from, Timestamp to, RollupLevel coarsest);

}  // namespace cairn

#endif  // CAIRN_QUERY_RANGE_PLAN_H_
