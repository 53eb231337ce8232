// A member's own figures for a round, before masking: per group of the key space, whether it
// contributes, and its components (round.h) in fixed point.
//
// Exact grants (no privacy block): a member contributes to a group iff it holds there at least
// its grant's min_records records and min_series series of the round's metrics (a ratio's two
// metrics together, as a bilateral answer counts them), and at least one record. Its
// components are ALWAYS its exact local sums and counts over all its records in the group,
// zero where it has none, whether it contributes there or not: what it holds in a group is in
// that group's total if the group is released. Leaving out a group's records below the member's
// minimum would make the released totals of two overlapping groups differ by exactly the
// part left out (for example a year's total and the sum of its months), which differencing
// would isolate. So a released group has at least min_contributors members counted, each of
// which (if honest) holds at least its own min_records records and min_series series there.
//
// Grants with a privacy block: each member adds, on its own, the full noise of a private
// release under its grant (policy/private_release.h's plan: the same parts, epsilon split,
// clamping and discrete Laplace scales) to every part in every group of the key space,
// whether it has records there or not. It "contributes" to a group iff its noisy count there
// reaches the grant's min_records (at least 1), a decision made from noisy figures only. The
// total thus carries n independent noises: each member's figures are epsilon-DP (per record,
// under its own grant) on their own, even against all other members and the requester
// together; the price is a total noise n times the variance of one release.
//
// Thread-compatible; the LocalQuery and RandomSource are the caller's.
#ifndef CAIRN_FEDERATION_LOCAL_FIGURES_H_
#define CAIRN_FEDERATION_LOCAL_FIGURES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "federation/fixed_point.h"
#include "federation/round.h"
#include "model/query.h"
#include "policy/discrete_laplace.h"
#include "policy/policy.h"
#include "query/clamp_range.h"

namespace cairn {

// Runs `part` (a sum of one metric with the round's range, filters and grouping) over the
// member's own data, clamping every record into `clamp` when given. Rows carry the sum as
// `value` and the number of records as `records`. The daemon runs ExecuteQuery on its store
// (engine_local_query.h).
using LocalQuery =
    std::function<absl::StatusOr<QueryResult>(const Query& part, std::optional<ClampRange> clamp)>;

struct LocalFigures {
  std::vector<uint8_t> contributes;             // per group: 1 if the member contributes
  std::vector<std::vector<Quanta>> components;  // per group: one value per component
};

// The figures for `query` over `keys` under `grant`. Errors of `local` and of the noise
// sampler pass through; FailedPrecondition if the grant's privacy block lacks a clamp the
// query needs; InvalidArgument if a local figure is too large for the fixed-point encoding.
absl::StatusOr<LocalFigures> ComputeLocalFigures(const Query& query, const KeySpace& keys,
                                                 const Grant& grant, const LocalQuery& local,
                                                 RandomSource& rng);

}  // namespace cairn

#endif  // CAIRN_FEDERATION_LOCAL_FIGURES_H_
