// SeriesCache: resolves the (metric, unit, tags) cells of a row to a batch series and the
// factor to the metric's canonical unit, once per distinct combination of raw bytes.
//
// A reader builds a raw key from a row's cells (KeyBuilder, in an order fixed by its
// format) and looks it up; only on a miss does it build Tags and call Resolve, which checks the
// metric and unit against the registry and the tags against NormalizeTags. Failures are cached
// too, so a file repeating one bad combination costs one check. Different raw keys naming the
// same series (JSON fields in another order, a unit spelled differently) share one series id.
// Memory is bounded: keys longer than kMaxCachedKeyBytes are resolved but not kept, and the
// cache is emptied at a batch start once it holds kMaxEntries keys or series, or
// kMaxCachedBytes of keys.
// Not thread-safe: one cache per reader.
#ifndef CAIRN_INGEST_SERIES_CACHE_H_
#define CAIRN_INGEST_SERIES_CACHE_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "model/metric_registry.h"
#include "model/series.h"

namespace cairn {

class SeriesCache {
 public:
  struct Entry {
    bool ok = false;
    uint32_t series_id = 0;      // when ok
    double factor = 1.0;         // value in the row's unit * factor = value in canonical unit
    std::string unit;            // the row's unit as written, for messages
    std::string canonical_unit;  // the metric's unit, when ok
    std::string error_field;     // when !ok: "metric", "unit" or a tag name
    std::string error_message;   // when !ok
  };

  // These bound the memory a file with very many distinct (or very long) keys can pin.
  static constexpr size_t kMaxEntries = 1 << 17;
  static constexpr size_t kMaxCachedKeyBytes = 4096;
  static constexpr size_t kMaxCachedBytes = 32 << 20;

  explicit SeriesCache(const MetricRegistry* registry) : registry_(registry) {}

  // Builds a raw key from parts, each length-prefixed so that no two part lists share a key.
  // Reuses its buffer: no allocation once it has grown to the longest key.
  class KeyBuilder {
   public:
    void Clear() { size_ = 0; }
    void Add(absl::string_view part) {
      const uint32_t n = static_cast<uint32_t>(part.size());
      if (size_ + sizeof(n) + n > buffer_.size()) buffer_.resize(2 * (size_ + sizeof(n) + n));
      std::memcpy(&buffer_[size_], &n, sizeof(n));
      if (n > 0) std::memcpy(&buffer_[size_ + sizeof(n)], part.data(), n);
      size_ += sizeof(n) + n;
    }
    absl::string_view key() const { return absl::string_view(buffer_.data(), size_); }

   private:
    std::string buffer_;
    size_t size_ = 0;
  };

  // Starts filling `batch` (whose series list must be empty): series ids get batch indices
  // anew.
  void StartBatch(RecordBatch* batch);

  // The entry for `raw_key`, or nullptr if it has not been resolved yet.
  const Entry* Find(absl::string_view raw_key) const {
    auto it = index_.find(raw_key);
    return it == index_.end() ? nullptr : &entries_[it->second];
  }

  // Resolves and caches `raw_key`. `tags` need not be normalised; an empty value means the
  // row does not carry that tag. The reference is valid until the next Resolve.
  const Entry& Resolve(absl::string_view raw_key, absl::string_view metric, absl::string_view unit,
                       Tags tags);

  // The index of series `series_id` in the current batch, adding it on first use.
  uint32_t BatchIndex(uint32_t series_id) {
    uint32_t& index = batch_index_[series_id];
    if (index == kNoIndex) {
      index = static_cast<uint32_t>(batch_->series.size());
      batch_->series.push_back(series_[series_id]);
      used_ids_.push_back(series_id);
    }
    return index;
  }

 private:
  static constexpr uint32_t kNoIndex = ~uint32_t{0};

  void Clear();

  const MetricRegistry* registry_;
  absl::flat_hash_map<std::string, uint32_t> index_;  // raw key -> entries_ index
  std::vector<Entry> entries_;
  absl::flat_hash_map<std::string, uint32_t> series_ids_;  // SeriesKey::Encode() -> id
  std::vector<SeriesKey> series_;                          // by id
  std::vector<uint32_t> batch_index_;                      // by id; kNoIndex if unused
  std::vector<uint32_t> used_ids_;                         // ids used in the current batch
  size_t cached_bytes_ = 0;
  Entry uncached_;  // the last resolution of a key too long to keep
  RecordBatch* batch_ = nullptr;
};

}  // namespace cairn

#endif  // CAIRN_INGEST_SERIES_CACHE_H_
