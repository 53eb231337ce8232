// The release's one read-only step: the answer to a partner's query as the deciding grant says
// it may leave — exact with small groups withheld, or privately with clamping and discrete
// noise — or the identical answer released earlier under a privacy grant, at no new cost.
//
// Thread-safe: reads its own snapshot of the store; runs on any thread (a reader under load,
// the writer when it is idle).
#ifndef CAIRN_DAEMON_RELEASE_PREPARE_H_
#define CAIRN_DAEMON_RELEASE_PREPARE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/random_source.h"
#include "model/query.h"
#include "policy/differencing.h"
#include "policy/policy.h"
#include "storage/record_store.h"

namespace cairn {

// What the gate decided for a request (release_gate.h Decide).
struct Verdict {
  std::optional<Grant> grant;  // the admitting grant (a copy: the policy may change meanwhile)
  std::string grant_digest;
  uint64_t policy_version = 0;
  bool allow_list = false;            // no policy: the partner's allow-list admitted the query
  std::optional<QueryResult> cached;  // private grants: the answer released earlier
};

struct PreparedRelease {
  QueryResult result;  // exactly what the partner receives
  uint64_t suppressed_groups = 0;
  int64_t epsilon_micros = 0;
  std::string noise;                  // "" for exact figures
  std::vector<Footprint> footprints;  // exact grants under the differencing guard
  bool cached = false;
};

// The answer to `query` under `verdict`. Errors of the engine and of the noise sampler pass
// through (the caller audits them as failures).
absl::StatusOr<PreparedRelease> PrepareRelease(const RecordStore& store, const Verdict& verdict,
                                               const Query& query, RandomSource& rng);

// How a private release was protected, for the attestation and the audit trail:
// "discrete Laplace noise, epsilon 0.25 split over 2 parts; energy clamped to [0, 50000] kWh".
std::string DescribeNoise(const Grant& grant, const Query& query);

}  // namespace cairn

#endif  // CAIRN_DAEMON_RELEASE_PREPARE_H_
