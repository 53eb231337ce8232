#include "query/range_plan.h"

#include <algorithm>

namespace cairn {
namespace {

Timestamp Ceil(Timestamp ts, RollupLevel level) {
  Timestamp floor = LevelBucketFloor(level, ts);
  return floor == ts ? ts : LevelBucketEnd(level, floor);
}

}  // namespace

RollupLevel CoarsestLevelFor(std::optional<Granularity> time_group) {
  if (!time_group) return RollupLevel::kMonth;
  switch (*time_group) {
    case Granularity::kHour:
      return RollupLevel::kHour;
    case Granularity::kDay:
    case Granularity::kWeek:
      return RollupLevel::kDay;
    case Granularity::kMonth:
    case Granularity::kQuarter:
    case Granularity::kYear:
      return RollupLevel::kMonth;
  }
  return RollupLevel::kHour;
}

std::vector<RangePiece> PlanRange(Timestamp from, Timestamp to, RollupLevel coarsest) {
  std::vector<RangePiece> left, right;
  auto add = [](std::vector<RangePiece>& out, std::optional<RollupLevel> level, Timestamp a,
                Timestamp b) {
    if (a < b) out.push_back(RangePiece{level, a, b});
  };
  Timestamp lo = Ceil(from, RollupLevel::kHour);
  Timestamp hi = LevelBucketFloor(RollupLevel::kHour, to);
  if (lo >= hi) return {RangePiece{std::nullopt, from, to}};
  add(left, std::nullopt, from, lo);
  add(right, std::nullopt, hi, to);
  for (int l = 0;; ++l) {
    RollupLevel level = kRollupLevels[l];
    if (level == coarsest) {
      add(left, level, lo, hi);
      break;
    }
    RollupLevel next = kRollupLevels[l + 1];
    Timestamp a = Ceil(lo, next), b = LevelBucketFloor(next, hi);
    if (a >= b) {
      add(left, level, lo, hi);
      break;
    }
    add(left, level, lo, a);
    add(right, level, b, hi);
    lo = a;
    hi = b;
  }
  left.insert(left.end(), right.rbegin(), right.rend());
  return left;
}

}  // namespace cairn
