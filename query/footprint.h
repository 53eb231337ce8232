// What the differencing guard (policy/differencing.h) needs from the engine: the footprint of
// every released group — which series' records over which interval it aggregates — and the
// number of records and series in an arbitrary region of the store.
//
// Thread-safe: each call reads its own snapshot of the store.
#ifndef CAIRN_QUERY_FOOTPRINT_H_
#define CAIRN_QUERY_FOOTPRINT_H_

#include <vector>

#include "absl/status/statusor.h"
#include "model/query.h"
#include "policy/differencing.h"
#include "storage/record_store.h"

namespace cairn {

// One footprint per row of `result` (the answer to `query`), in row order: the series of the
// query's metric (and ratio denominator) matching its filters whose group-tag values are the
// row's, over the row's time bucket intersected with [from, to) (or [from, to) without time
// grouping). Series ids are sorted and unique.
absl::StatusOr<std::vector<Footprint>> FootprintsOf(const RecordStore& store, const Query& query,
                                                    const QueryResult& result);

// Records and distinct series with records in `region`, read from rollups where whole buckets
// fit and from raw records at the edges.
absl::StatusOr<RegionCount> CountRegion(const RecordStore& store, const Region& region);

}  // namespace cairn

#endif  // CAIRN_QUERY_FOOTPRINT_H_
