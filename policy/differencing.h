// The differencing guard for threshold-only grants (exact values, minimum group sizes).
//
// Minimum group sizes mean nothing if two released answers can be subtracted: sum over
// products {P1, P2, P3} minus sum over {P1, P2} is P3's figure, however small P3 is. For
// grants with a privacy block every query spends budget, so differencing is paid for; for
// exact grants with min_records or min_series above 1 this guard refuses such queries.
//
// A released group aggregates a footprint: the records of a set of series within a time
// interval. The guard remembers, per partner and grant, the footprints it released, grouped
// by query. Before a new query's groups are released it computes these regions and refuses
// the query if any of them holds records but fewer than min_records records or fewer than
// min_series series (an empty region is harmless):
//   * pairwise: for a new group N and an earlier group P that overlap and differ, N \ P and
//     P \ N (catches "with and without one tag value" and overlapping ranges);
//   * splitting: for an earlier group P, P minus the union of the new groups inside it; and
//     for a new group N, N minus the union of the groups of one earlier query inside it
//     (catches asking for a total and then for all but one of its parts, in either order).
// Identical footprints are skipped: the same region gives the same answer. The guard does not
// solve general linear reconstruction from many queries; see policy/DESIGN-privacy.md.
//
// The engine supplies the footprints and a RegionCounter over its snapshot.
// Thread-compatible: synchronise externally if shared.
#ifndef CAIRN_POLICY_DIFFERENCING_H_
#define CAIRN_POLICY_DIFFERENCING_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "policy/policy.h"

namespace cairn {

// A series as the differencing guard sees it: an opaque number (the store's series id).
using FootprintSeries = uint64_t;

// The records of `series` (sorted, unique) with timestamps in [from, to).
struct Footprint {
  std::vector<FootprintSeries> series;
  Timestamp from = 0;
  Timestamp to = 0;

  friend bool operator==(const Footprint& a, const Footprint& b) {
    return a.from == b.from && a.to == b.to && a.series == b.series;
  }
  friend bool operator!=(const Footprint& a, const Footprint& b) { return !(a == b); }
};

// A set of records given as disjoint footprints.
using Region = std::vector<Footprint>;

struct RegionCount {
  uint64_t records = 0;
  uint64_t series = 0;  // distinct series with at least one record in the region
};

// Counts the records and distinct series in a region; errors pass through the guard.
using RegionCounter = std::function<absl::StatusOr<RegionCount>(const Region&)>;

// `base` minus the union of `minus`, as disjoint footprints (empty if nothing is left).
Region Subtract(const Footprint& base, const std::vector<const Footprint*>& minus);

class DifferencingGuard {
 public:
  // Bounds the footprints remembered per partner and grant (memory and check time). When a
  // query would exceed it the guard refuses (fails closed) until the owner resets it.
  explicit DifferencingGuard(size_t max_footprints_per_grant = 10'000)
      : max_footprints_(max_footprints_per_grant) {}

  // OK if releasing `groups` (the footprints of one query's released groups, pairwise
  // disjoint) to `partner` under `grant` cannot single out a region below the grant's
  // minimum sizes; PermissionDenied naming the region's size otherwise; ResourceExhausted
  // when the memory bound is reached. Remembers nothing.
  absl::Status Check(absl::string_view partner, const Grant& grant,
                     const std::vector<Footprint>& groups, const RegionCounter& count) const;
  // Remembers `groups` as released together.
  void Record(absl::string_view partner, const Grant& grant, std::vector<Footprint> groups);

  // Footprints remembered for `partner` under `grant`.
  size_t Remembered(absl::string_view partner, absl::string_view grant) const;

  // ---- Persistence (storage/ledger_store.h saves each recorded query and replays it at
  // start) and the owner's reset.
  struct RememberedQuery {
    std::string partner;
    std::string grant;
    std::vector<Footprint> groups;  // released together, as given to Record()
  };
  // Every remembered query, by partner and grant (sorted), each one's in recording order.
  std::vector<RememberedQuery> Export() const;
  // Remembers `groups` as an earlier query of `partner` under the grant named `grant`, as
  // Record() did before a restart. It takes a name, not a Grant: only queries of grants that
  // needed the guard were recorded, and a replay must not depend on today's policy.
  void Import(absl::string_view partner, absl::string_view grant, std::vector<Footprint> groups);
  // Forgets what was released to `partner` under `grant` (the owner's reset when the guard is
  // full). Answers released before remain known to the partner: reset only deliberately.
  void Forget(absl::string_view partner, absl::string_view grant);

 private:
  using Released = std::vector<std::vector<Footprint>>;  // per earlier query
  static std::string Key(absl::string_view partner, absl::string_view grant);

  size_t max_footprints_;
  absl::flat_hash_map<std::string, Released> released_;
};

}  // namespace cairn

#endif  // CAIRN_POLICY_DIFFERENCING_H_
