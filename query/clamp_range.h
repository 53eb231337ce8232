// The bounds a record's value is clamped to before it is aggregated (differential privacy's
// bounded contributions). A value type of its own, so that code which only names a clamp (a
// federation member's figures) does not depend on the engine and the store beneath it.
#ifndef CAIRN_QUERY_CLAMP_RANGE_H_
#define CAIRN_QUERY_CLAMP_RANGE_H_

namespace cairn {

// Closed bounds [lo, hi] a record's value is clamped to before it is aggregated.
struct ClampRange {
  double lo = 0;
  double hi = 0;
};

}  // namespace cairn

#endif  // CAIRN_QUERY_CLAMP_RANGE_H_
