// Differentially private releases for grants with a privacy block.
//
// The mechanism, exactly:
//   * A private query is answered from noisy parts, each a sum or a count of one metric over
//     the partner's range, filters and grouping. The query's epsilon is split evenly:
//       sum   -> sum(m), count(m)                      (epsilon/2 each)
//       count -> count(m)                              (epsilon)
//       mean  -> sum(m), count(m)                      (epsilon/2 each)
//       ratio -> sum(a), sum(b), count(a)              (epsilon/3 each)
//     min and max are never released privately (one record decides them); PolicyBuilder
//     rejects them in a privacy grant and PlanPrivateRelease() refuses them.
//   * The engine clamps every record of a summed metric into the grant's [lo, hi] before
//     summing. One record then moves a sum by at most max(|lo|, |hi|) and a count by 1.
//   * Each exact part value is quantised: q = round(value / resolution) (counts: resolution 1).
//     The sensitivity of q is D = ceil(max(|lo|, |hi|) / resolution) quanta (counts: 1).
//   * Noise: q + Z with Z ~ discrete Laplace of scale D / epsilon_share, sampled exactly
//     (discrete_laplace.h). The scale is the rational D * k * 10^6 / epsilon_micros.
//   * Every group (time bucket x tag values) holds disjoint records, so one record changes one
//     group's parts only: the whole grouped answer costs epsilon once (parallel composition).
//   * A group is released only if its noisy count is at least min_records and its exact
//     number of series is at least min_series. Released values are post-processed: the
//     sum is noisy_q * resolution, the mean is noisy_sum / noisy_count clamped to [lo, hi],
//     the ratio is noisy_sum(a) / noisy_sum(b) (absent if that is 0), the count is the noisy
//     count. Rows carry the noisy count as `records` and 0 as `series`; the number of
//     withheld groups is not released.
// What this does and does not protect is written down in policy/DESIGN-privacy.md.
//
// Pure functions; thread-compatible (the RandomSource is the caller's).
#ifndef CAIRN_POLICY_PRIVATE_RELEASE_H_
#define CAIRN_POLICY_PRIVATE_RELEASE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "model/query.h"
#include "policy/discrete_laplace.h"
#include "policy/policy.h"
#include "policy/release.h"

namespace cairn {

// One query the engine runs for a private release.
struct NoisyPart {
  enum class Kind { kSum, kCount };
  Kind kind = Kind::kCount;
  Query query;  // sum(metric) or count(metric); range, filters and grouping of the original
  // kSum: clamp every record into [clamp.lo, clamp.hi] before summing; quantum
  // clamp.resolution. kCount: unused.
  Clamp clamp;
  LaplaceScale scale;  // noise scale in quanta
};

struct PrivatePlan {
  std::vector<NoisyPart> parts;
  int64_t epsilon_micros = 0;  // what the query spends in total
};

// The parts to run for `query` under `grant` (which must have a privacy block and admit the
// query). FailedPrecondition if the grant has no privacy block, for min and max, and when
// a summed metric has no clamp.
absl::StatusOr<PrivatePlan> PlanPrivateRelease(const Grant& grant, const Query& query);

// The private release of `query` from the exact results of the plan's parts (same order).
// InvalidArgument if the number of results does not match; errors of the sampler pass through.
absl::StatusOr<ReleasedResult> ReleasePrivate(const Grant& grant, const PrivatePlan& plan,
                                              const Query& query,
                                              const std::vector<QueryResult>& part_results,
                                              RandomSource& rng);

}  // namespace cairn

#endif  // CAIRN_POLICY_PRIVATE_RELEASE_H_
