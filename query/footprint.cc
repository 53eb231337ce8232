#include "query/footprint.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "query/range_plan.h"

namespace cairn {
namespace {

using Filters = std::vector<std::pair<std::string, std::vector<std::string>>>;

Filters FiltersOf(const Query& q) {
  Filters filters;
  for (const TagFilter& f : q.filters) filters.emplace_back(f.tag, f.values);
  return filters;
}

// Records of series `id` in [from, to).
absl::StatusOr<uint64_t> CountSeries(const RecordStore::Reader& reader, SeriesId id, Timestamp from,
                                     Timestamp to) {
  uint64_t n = 0;
  if (from >= to) return n;
  for (const RangePiece& piece : PlanRange(from, to, RollupLevel::kMonth)) {
    if (piece.level) {
      CAIRN_RETURN_IF_ERROR(
          reader.ScanRollups(id, *piece.level, piece.from, piece.to,
                             [&n](Timestamp, const Aggregates& a) { n += a.count; }));
    } else {
      CAIRN_RETURN_IF_ERROR(
          reader.ScanRecords(id, piece.from, piece.to, [&n](Timestamp, double) { ++n; }));
    }
  }
  return n;
}

}  // namespace

absl::StatusOr<std::vector<Footprint>> FootprintsOf(const RecordStore& store, const Query& query,
                                                    const QueryResult& result) {
  std::unique_ptr<RecordStore::Reader> reader = store.NewReader();
  Filters filters = FiltersOf(query);
  // Group-tag values -> series.
  std::map<std::vector<std::string>, std::set<FootprintSeries>> groups;
  for (const std::string& metric : {query.metric, query.ratio_denominator}) {
    if (metric.empty()) continue;
    for (const RecordStore::Reader::SeriesInfo& s : reader->FindSeries(metric, filters)) {
      std::vector<std::string> key;
      for (const std::string& tag : query.group_tags) key.emplace_back(s.key->Tag(tag));
      groups[key].insert(s.id);
    }
  }
  std::vector<Footprint> out;
  out.reserve(result.rows.size());
  for (const ResultRow& row : result.rows) {
    Footprint f;
    auto it = groups.find(row.tags);
    if (it != groups.end()) f.series.assign(it->second.begin(), it->second.end());
    f.from = query.from;
    f.to = query.to;
    if (row.bucket && query.time_group) {
      f.from = std::max(query.from, *row.bucket);
      f.to = std::min(query.to, BucketNext(*row.bucket, *query.time_group));
    }
    out.push_back(std::move(f));
  }
  return out;
}

absl::StatusOr<RegionCount> CountRegion(const RecordStore& store, const Region& region) {
  std::unique_ptr<RecordStore::Reader> reader = store.NewReader();
  RegionCount count;
  std::set<FootprintSeries> seen;
  for (const Footprint& f : region) {
    Timestamp from = std::max(f.from, kMinTimestamp);
    Timestamp to = std::min(f.to, kMaxTimestamp);
    for (FootprintSeries s : f.series) {
      if (s > std::numeric_limits<SeriesId>::max()) {
        return absl::InvalidArgumentError(absl::StrCat("series id ", s, " out of range"));
      }
      CAIRN_ASSIGN_OR_RETURN(uint64_t n, CountSeries(*reader, static_cast<SeriesId>(s), from, to));
      count.records += n;
      if (n > 0) seen.insert(s);
    }
  }
  count.series = seen.size();
  return count;
}

}  // namespace cairn
