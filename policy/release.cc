#include "policy/release.h"

#include <utility>

namespace cairn {

ReleasedResult SuppressSmallGroups(QueryResult result, uint64_t min_records, uint64_t min_series) {
  ReleasedResult release;
  uint64_t suppressed = 0;
  std::vector<ResultRow> kept;
  kept.reserve(result.rows.size());
  for (ResultRow& row : result.rows) {
    if (row.records < min_records || row.series < min_series) {
      ++suppressed;
    } else {
      kept.push_back(std::move(row));
    }
  }
  result.rows = std::move(kept);
  result.stats = QueryStats{};
  release.result = std::move(result);
  release.suppressed_groups = suppressed;
  return release;
}

}  // namespace cairn
