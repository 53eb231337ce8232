#include "storage/series_catalog.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

std::string PostingKey(absl::string_view tag, absl::string_view value) {
  return absl::StrCat(tag, absl::string_view("\0", 1), value);
}

std::vector<SeriesId> Union(const std::vector<SeriesId>& a, const std::vector<SeriesId>& b) {
  std::vector<SeriesId> out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

std::vector<SeriesId> SeriesCatalog::Find(
    absl::string_view metric,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& filters) const {
  auto m = metrics_.find(metric);
  if (m == metrics_.end()) return {};
  const MetricIndex& index = *m->second;
  static const std::vector<SeriesId> kNone;
  auto postings = [&](const std::string& key) -> const std::vector<SeriesId>& {
    auto it = index.postings.find(key);
    return it == index.postings.end() ? kNone : it->second;
  };

  std::vector<SeriesId> result = index.all;
  for (const auto& [tag, values] : filters) {
    std::vector<SeriesId> allowed;
    for (const std::string& value : values) {
      if (value.empty()) {  // series lacking the tag
        std::vector<SeriesId> lacking;
        const std::vector<SeriesId>& carrying = postings(tag);
        std::set_difference(index.all.begin(), index.all.end(), carrying.begin(), carrying.end(),
                            std::back_inserter(lacking));
        allowed = Union(allowed, lacking);
      } else {
        allowed = Union(allowed, postings(PostingKey(tag, value)));
      }
    }
    std::vector<SeriesId> narrowed;
    std::set_intersection(result.begin(), result.end(), allowed.begin(), allowed.end(),
                          std::back_inserter(narrowed));
    result = std::move(narrowed);
    if (result.empty()) break;
  }
  return result;
}

std::shared_ptr<const SeriesCatalog> SeriesCatalog::WithSeries(std::vector<SeriesKey> added) const {
  auto next = std::make_shared<SeriesCatalog>(*this);  // shares keys and untouched indexes
  absl::flat_hash_map<std::string, std::shared_ptr<MetricIndex>> copied;
  for (SeriesKey& key : added) {
    SeriesId id = static_cast<SeriesId>(next->keys_.size());
    std::shared_ptr<MetricIndex>& index = copied[key.metric];
    if (index == nullptr) {
      auto old = metrics_.find(key.metric);
      index = old == metrics_.end() ? std::make_shared<MetricIndex>()
                                    : std::make_shared<MetricIndex>(*old->second);
    }
    index->all.push_back(id);
    for (const auto& [tag, value] : key.tags) {
      index->postings[tag].push_back(id);
      index->postings[PostingKey(tag, value)].push_back(id);
    }
    next->keys_.push_back(std::make_shared<const SeriesKey>(std::move(key)));
  }
  for (auto& [metric, index] : copied) next->metrics_[metric] = std::move(index);
  return next;
}

}  // namespace cairn
