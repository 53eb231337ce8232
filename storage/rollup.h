// Rollup buckets: the statistics the store keeps per series and calendar bucket (hour, day,
// month), and the levels' bucket arithmetic. Value types and pure functions; thread-safe.
#ifndef CAIRN_STORAGE_ROLLUP_H_
#define CAIRN_STORAGE_ROLLUP_H_

#include <cstdint>

#include "base/exact_sum.h"
#include "base/time.h"

namespace cairn {

using SeriesId = uint32_t;

// Statistics of one rollup bucket or of any set of records.
struct Aggregates {
  uint64_t count = 0;
  ExactSum sum;
  double min = 0;  // meaningful only when count > 0
  double max = 0;

  void Add(double v);
  void Merge(const Aggregates& other);
  // Equal counts and sums and, when not empty, bit-identical min and max.
  friend bool operator==(const Aggregates& a, const Aggregates& b);
};

// Rollup levels kept by the store, finest first.
enum class RollupLevel { kHour, kDay, kMonth };
inline constexpr RollupLevel kRollupLevels[] = {RollupLevel::kHour, RollupLevel::kDay,
                                                RollupLevel::kMonth};

// The calendar granularity of a level's buckets.
Granularity LevelGranularity(RollupLevel level);
// Start of the bucket of `level` containing `ts`.
Timestamp LevelBucketFloor(RollupLevel level, Timestamp ts);
// End (exclusive) of the bucket of `level` starting at `start`.
Timestamp LevelBucketEnd(RollupLevel level, Timestamp start);

}  // namespace cairn

#endif  // CAIRN_STORAGE_ROLLUP_H_
