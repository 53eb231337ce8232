// SeriesCatalog: an immutable snapshot of the series known to a store, with an inverted index
// from (metric, tag, value) to series ids for filtering.
//
// Series ids are dense, assigned in order of creation from 0. The writer never mutates a
// published catalog: it builds the next one with WithSeries() (which shares every unchanged
// part with the previous one) and swaps a shared_ptr. So any number of threads may read a
// catalog concurrently without locks, and a SeriesKey reference stays valid while the
// catalog (or a later one) is alive.
#ifndef CAIRN_STORAGE_SERIES_CATALOG_H_
#define CAIRN_STORAGE_SERIES_CATALOG_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "model/series.h"
#include "storage/rollup.h"

namespace cairn {

class SeriesCatalog {
 public:
  SeriesCatalog() = default;

  size_t size() const { return keys_.size(); }
  // Requires id < size().
  const SeriesKey& key(SeriesId id) const { return *keys_[id]; }

  // Ids (ascending) of the series of `metric` whose tags match every filter: the series'
  // value of the tag (or "" when it lacks the tag) is one of the filter's values.
  std::vector<SeriesId> Find(
      absl::string_view metric,
      const std::vector<std::pair<std::string, std::vector<std::string>>>& filters) const;

  // A catalog holding this one's series followed by `added`, whose ids are size(),
  // size() + 1, ... in order.
  std::shared_ptr<const SeriesCatalog> WithSeries(std::vector<SeriesKey> added) const;

 private:
  struct MetricIndex {
    std::vector<SeriesId> all;
    // "tag" -> series carrying the tag; "tag\0value" -> series with that value.
    absl::flat_hash_map<std::string, std::vector<SeriesId>> postings;
  };

  std::vector<std::shared_ptr<const SeriesKey>> keys_;
  absl::flat_hash_map<std::string, std::shared_ptr<const MetricIndex>> metrics_;
};

}  // namespace cairn

#endif  // CAIRN_STORAGE_SERIES_CATALOG_H_
