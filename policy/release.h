// What leaves the daemon for a partner: a query result after the grant's protections.
//
// For a grant with release = "exact", SuppressSmallGroups() is the whole protection: rows
// below the grant's minimum group size are withheld and counted. Differentially private
// releases are built by private_release.h. Pure functions on values; thread-safe.
#ifndef CAIRN_POLICY_RELEASE_H_
#define CAIRN_POLICY_RELEASE_H_

#include <cstdint>
#include <optional>

#include "model/query.h"

namespace cairn {

struct ReleasedResult {
  // The rows the partner may see. `stats` is always cleared: it describes the owner's
  // storage (series matched, records read), including groups that were withheld.
  QueryResult result;
  // How many groups were withheld for being smaller than the grant's minimum. Absent for
  // private releases, where the exact number of groups would itself leak.
  std::optional<uint64_t> suppressed_groups;
  // Epsilon spent by this release, in millionths (0 for exact releases).
  int64_t epsilon_micros = 0;
};

// Keeps the rows with at least `min_records` records and `min_series` distinct series, and
// counts the others.
ReleasedResult SuppressSmallGroups(QueryResult result, uint64_t min_records, uint64_t min_series);

}  // namespace cairn

#endif  // CAIRN_POLICY_RELEASE_H_
