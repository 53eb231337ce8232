#include "storage/rollup.h"

#include <algorithm>
#include <cstring>

namespace cairn {
namespace {

uint64_t Bits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  return bits;
}

}  // namespace

// ---- Aggregates ----

void Aggregates::Add(double v) {
  if (count == 0) {
    min = max = v;
  } else {
    min = std::min(min, v);
    max = std::max(max, v);
  }
  ++count;
  sum.Add(v);
}

void Aggregates::Merge(const Aggregates& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  count += other.count;
  sum.Merge(other.sum);
  min = std::min(min, other.min);
  max = std::max(max, other.max);
}

bool operator==(const Aggregates& a, const Aggregates& b) {
  if (a.count != b.count || a.sum != b.sum) return false;
  return a.count == 0 || (Bits(a.min) == Bits(b.min) && Bits(a.max) == Bits(b.max));
}

// ---- Levels ----

Granularity LevelGranularity(RollupLevel level) {
  switch (level) {
    case RollupLevel::kHour:
      return Granularity::kHour;
    case RollupLevel::kDay:
      return Granularity::kDay;
    case RollupLevel::kMonth:
      return Granularity::kMonth;
  }
  return Granularity::kHour;
}

Timestamp LevelBucketEnd(RollupLevel level, Timestamp start) {
  switch (level) {
    case RollupLevel::kHour:
      return start + kMicrosPerHour;
    case RollupLevel::kDay:
      return start + kMicrosPerDay;
    case RollupLevel::kMonth:
      return BucketNext(start, Granularity::kMonth);
  }
  return start;
}

Timestamp LevelBucketFloor(RollupLevel level, Timestamp ts) {
  return BucketFloor(ts, LevelGranularity(level));
}

}  // namespace cairn
