// A member's memory of the cohorts it released figures to, and the cohort-differencing rule.
//
// The attack: a requester gets the total of cohort C, then of C minus one member F, and
// subtracts: F's figure. More generally any two answers over the same records whose cohorts
// differ in fewer than k members single out a group smaller than k.
//
// Which answers are "over the same records": a round reads, for each of its metrics (the
// metric, and a ratio's denominator), the records of that metric in its time range; filters,
// grouping and key space only cut those records differently (an ungrouped total minus the sum
// of its groups, or a filtered total minus a wider one, also isolates a member when the cohorts
// differ). So two rounds are compared when they read a common metric over overlapping time
// ranges, whatever their aggregate, filters, grouping or requester: deliberately broader than
// "the same query", which is what makes it hard to evade.
//
// The rule: a new round with cohort C is refused if an earlier round compared with it had a
// cohort C' with 0 < |C symmetric-difference C'| < min_cohort (this member's minimum). An
// identical cohort is fine (same population, same answer up to new data); so is a cohort that
// differs in min_cohort members or more (the difference is itself an aggregate of that many).
//
// What is remembered is a round whose figures were sent (the values phase), never one that
// ended before: see DESIGN-federation.md on drop-outs. Memory is bounded (max_entries); when
// full, every new round is refused (fails closed) until the steward exports, prunes and
// imports. Export/Import carry the memory across restarts (the daemon stores the bytes).
//
// Thread-compatible: the member serialises its calls.
#ifndef CAIRN_FEDERATION_COHORT_MEMORY_H_
#define CAIRN_FEDERATION_COHORT_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "base/time.h"
#include "crypto/public_key.h"

namespace cairn {

inline constexpr size_t kDefaultCohortMemoryEntries = 10'000;

class CohortMemory {
 public:
  struct Entry {
    std::string metric;
    Timestamp from = 0;  // [from, to)
    Timestamp to = 0;
    std::vector<Fingerprint> members;  // sorted, unique
    Timestamp recorded_at = 0;
  };

  explicit CohortMemory(size_t max_entries = kDefaultCohortMemoryEntries)
      : max_entries_(max_entries) {}

  // OK if a round reading `metrics` over [from, to) with `cohort` passes the rule for
  // `min_cohort`. PermissionDenied naming the earlier round's metric, range and how many
  // members the cohorts differ by; ResourceExhausted when the memory is full.
  absl::Status Check(absl::Span<const std::string> metrics, Timestamp from, Timestamp to,
                     absl::Span<const Fingerprint> cohort, uint64_t min_cohort) const;

  // Remembers the round (one entry per metric; an identical entry is not repeated).
  void Record(absl::Span<const std::string> metrics, Timestamp from, Timestamp to,
              absl::Span<const Fingerprint> cohort, Timestamp now);

  const std::vector<Entry>& entries() const { return entries_; }
  size_t max_entries() const { return max_entries_; }

  // The memory as an encoded protocol/federation.capnp CohortMemory.
  std::string Export() const;
  // InvalidArgument if `bytes` is not an exported memory (naming the entry and field), or
  // holds more than `max_entries` entries.
  static absl::StatusOr<CohortMemory> Import(absl::string_view bytes,
                                             size_t max_entries = kDefaultCohortMemoryEntries);

 private:
  size_t max_entries_;
  std::vector<Entry> entries_;
};

}  // namespace cairn

#endif  // CAIRN_FEDERATION_COHORT_MEMORY_H_
