// Records and series: the data model every layer shares.
//
// A record is one measurement: a time, a series and a value in the metric's canonical unit.
// A series is a metric plus its tag set; `site`, `line` and `product` are ordinary tags.
// A record is identified by (series, timestamp): storing the same key again replaces the value.
// Value types; thread-compatible.
#ifndef CAIRN_MODEL_SERIES_H_
#define CAIRN_MODEL_SERIES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/time.h"

namespace cairn {

// Tag names that would collide with record columns or time groupings.
bool IsReservedTagName(absl::string_view name);

// Tag name -> value, sorted by name, names unique. An empty value means "not set" and is
// never stored.
using Tags = std::vector<std::pair<std::string, std::string>>;

struct SeriesKey {
  std::string metric;
  Tags tags;

  // The value of `tag`, or "" when the series does not carry it.
  absl::string_view Tag(absl::string_view name) const;

  // A canonical byte string (metric, then name/value pairs, NUL-separated) used as the
  // series' identity in storage and hash maps. Two keys are equal iff their encodings are.
  std::string Encode() const;
  static bool Decode(absl::string_view encoded, SeriesKey* out);

  friend bool operator==(const SeriesKey& a, const SeriesKey& b) {
    return a.metric == b.metric && a.tags == b.tags;
  }
};

// Sorts `tags` by name and drops empty values. InvalidArgument if a name is malformed or
// reserved, appears twice, or a value is longer than 256 bytes or contains a NUL byte.
absl::Status NormalizeTags(Tags* tags);

inline constexpr size_t kMaxTagValueBytes = 256;

// A batch of records as import produces and the store applies it: a dictionary of series and
// the points that reference it.
struct RecordBatch {
  struct Point {
    uint32_t series_index;  // into `series`
    Timestamp timestamp;
    double value;  // canonical unit, finite, |value| <= ExactSum::kMaxAbsValue
  };
  std::vector<SeriesKey> series;  // tags normalised (NormalizeTags)
  std::vector<Point> points;      // any order; a later point for the same key wins
};

// What applying a RecordBatch changed. Counts are of distinct (series, timestamp) keys: a key
// given twice in one batch counts once.
struct ImportOutcome {
  uint64_t inserted = 0;   // keys that did not exist
  uint64_t replaced = 0;   // keys that existed with another value
  uint64_t unchanged = 0;  // keys that existed with the same value (nothing written)
  uint64_t new_series = 0;

  void Add(const ImportOutcome& o) {
    inserted += o.inserted;
    replaced += o.replaced;
    unchanged += o.unchanged;
    new_series += o.new_series;
  }
};

}  // namespace cairn

#endif  // CAIRN_MODEL_SERIES_H_
