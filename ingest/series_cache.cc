#include "ingest/series_cache.h"

#include <cstring>
#include <utility>

namespace cairn {

void SeriesCache::StartBatch(RecordBatch* batch) {
  for (uint32_t id : used_ids_) batch_index_[id] = kNoIndex;
  used_ids_.clear();
  if (entries_.size() >= kMaxEntries || series_.size() >= kMaxEntries ||
      cached_bytes_ >= kMaxCachedBytes) {
    Clear();
  }
  batch_ = batch;
}

void SeriesCache::Clear() {
  index_.clear();
  entries_.clear();
  series_ids_.clear();
  series_.clear();
  batch_index_.clear();
  cached_bytes_ = 0;
}

const SeriesCache::Entry& SeriesCache::Resolve(absl::string_view raw_key, absl::string_view metric,
                                               absl::string_view unit, Tags tags) {
  Entry entry;
  entry.unit = std::string(unit);
  absl::StatusOr<double> factor = registry_->CanonicalFactor(metric, unit);
  if (!factor.ok()) {
    entry.error_field = registry_->Find(metric) == nullptr ? "metric" : "unit";
    entry.error_message = std::string(factor.status().message());
  } else {
    entry.factor = *factor;
    entry.canonical_unit = registry_->Find(metric)->unit;
    // Check tags one by one first, so that the error names the offending tag.
    for (const auto& tag : tags) {
      Tags one{tag};
      absl::Status s = NormalizeTags(&one);
      if (!s.ok()) {
        entry.error_field = tag.first;
        entry.error_message = std::string(s.message());
        break;
      }
    }
    if (entry.error_field.empty()) {
      absl::Status s = NormalizeTags(&tags);
      if (!s.ok()) {
        entry.error_field = "tags";
        entry.error_message = std::string(s.message());
      }
    }
  }
  if (entry.error_field.empty()) {
    SeriesKey key{std::string(metric), std::move(tags)};
    auto [it, added] = series_ids_.emplace(key.Encode(), static_cast<uint32_t>(series_.size()));
    if (added) {
      cached_bytes_ += 2 * it->first.size();
      series_.push_back(std::move(key));
      batch_index_.push_back(kNoIndex);
    }
    entry.ok = true;
    entry.series_id = it->second;
  }
  if (raw_key.size() > kMaxCachedKeyBytes) {
    uncached_ = std::move(entry);
    return uncached_;
  }
  auto [it, added] = index_.emplace(std::string(raw_key), static_cast<uint32_t>(entries_.size()));
  if (added) {
    entries_.push_back(std::move(entry));
    cached_bytes_ += raw_key.size() + sizeof(Entry);
  }
  return entries_[it->second];
}

}  // namespace cairn
