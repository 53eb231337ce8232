// What a federated round asks: the proposal every member receives, the key space of groups
// its vectors are laid out over, and the figures (components) each group carries.
//
// Key space. The requester fixes the groups in the proposal: the time buckets of the query's
// range (when it groups by time) times, for each grouping tag, an explicit list of values.
// Every member sends a vector over exactly these groups, in this order, whatever data it has:
// the layout reveals nothing about which groups a member has records in. Records whose tag
// value is not listed fall in no group (the lists act as filters); a member's tag values that
// nobody listed stay unknown to everyone. The lists themselves are chosen by the requester
// and are seen by every member (they are vocabulary: products, processes, sites of the
// consortium, not data).
//
// Components, per group, in this order:
//   sum   -> sum(metric)
//   count -> count(metric)
//   mean  -> sum(metric), count(metric)                   (the pooled mean: total / count)
//   ratio -> sum(metric), sum(denominator)                (the pooled ratio)
// A member contributes to a group if it has records of the round's metrics there.
//
// Value types and pure functions; thread-compatible.
#ifndef CAIRN_FEDERATION_ROUND_H_
#define CAIRN_FEDERATION_ROUND_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/time.h"
#include "crypto/public_key.h"
#include "model/metric_registry.h"
#include "model/query.h"

namespace cairn {

// Bounds on what a (possibly hostile) requester can make members compute and store.
inline constexpr size_t kMinQueryIdBytes = 16;
inline constexpr size_t kMaxRoundQueryIdBytes = 64;
inline constexpr size_t kMaxGroups = 65536;            // groups in a key space
inline constexpr size_t kMaxValuesPerGroupTag = 4096;  // listed values of one grouping tag
inline constexpr size_t kMaxRoundGroupTags = 8;
// cohort size x groups ("cells"): bounds what one round makes each member receive and compute.
// The values request carries a commitment and a bit proof per cell (160 bytes: 20 MiB at this
// bound), and a member adds up every cell's commitment and checks the proofs of its share of
// them (count_phase.h): at this bound, on the project's machine, about 2 s of additions and,
// when it verifies everything (small cohorts), about 30 s of proofs. 100 members x 1,000
// groups (100,000 cells) fit.
inline constexpr size_t kMaxRoundCells = size_t{1} << 17;

struct Proposal {
  std::string consortium{};
  std::string query_id{};  // 16..64 random bytes
  PublicKey requester;
  Timestamp issued_at = 0;
  Query query{};
  std::vector<std::vector<std::string>> group_values{};  // one list per query.group_tags
  uint32_t min_contributors = 2;                         // per released group
  std::vector<PublicKey> cohort{};                       // proposed
};

// InvalidArgument naming what is wrong: an unsupported aggregate (min, max), a malformed
// query, a query id of the wrong length, a key space that does not match the grouping tags
// or is too large, min_contributors below 2 or above the cohort, a cohort of fewer than 2 or
// more than kMaxCohortMembers members or with a member twice. With `registry`, the query's
// metrics must be registered (NotFound otherwise).
absl::Status ValidateProposal(const Proposal& proposal, const MetricRegistry* registry);

struct Component {
  enum class Kind { kSum, kCount };
  std::string metric;
  Kind kind = Kind::kSum;
};
// The components of the query's aggregate (see above); empty for min and max.
std::vector<Component> ComponentsOf(const Query& query);
// The metrics the round reads: the metric, and the denominator of a ratio.
std::vector<std::string> MetricsOf(const Query& query);

// One group of the key space.
struct GroupKey {
  std::optional<Timestamp> bucket;  // start of the time bucket, when grouped by time
  std::vector<std::string> tags;    // one value per grouping tag
  friend bool operator==(const GroupKey& a, const GroupKey& b) {
    return a.bucket == b.bucket && a.tags == b.tags;
  }
};

// The groups of a round, numbered 0..size()-1: bucket-major, then the tags' values in the
// order listed (the first tag varies slowest).
class KeySpace {
 public:
  // InvalidArgument if the lists do not match the query's grouping tags, a list is empty or
  // repeats a value, or there would be more than kMaxGroups groups.
  static absl::StatusOr<KeySpace> Make(const Query& query,
                                       const std::vector<std::vector<std::string>>& group_values);

  size_t size() const { return size_; }
  GroupKey KeyAt(size_t index) const;
  // The index of the group a result row of the query belongs to, or nullopt if the row's
  // bucket or a tag value is not in the key space.
  std::optional<size_t> IndexOf(const std::optional<Timestamp>& bucket,
                                const std::vector<std::string>& tags) const;

 private:
  KeySpace() = default;

  std::vector<Timestamp> buckets_;  // empty: not grouped by time
  std::vector<std::vector<std::string>> values_;
  absl::flat_hash_map<Timestamp, size_t> bucket_index_;
  std::vector<absl::flat_hash_map<std::string, size_t>> value_index_;
  std::vector<size_t> strides_;  // per tag
  size_t bucket_stride_ = 1;
  size_t size_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_FEDERATION_ROUND_H_
