#include "policy/differencing.h"

#include <algorithm>
#include <functional>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

using Interval = std::pair<Timestamp, Timestamp>;

bool HasSeries(const Footprint& f, FootprintSeries s) {
  return std::binary_search(f.series.begin(), f.series.end(), s);
}

bool SeriesIntersect(const std::vector<FootprintSeries>& a, const std::vector<FootprintSeries>& b) {
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      return true;
    }
  }
  return false;
}

bool Overlap(const Footprint& a, const Footprint& b) {
  return a.from < b.to && b.from < a.to && SeriesIntersect(a.series, b.series);
}

// True if `inner` lies within `outer`.
bool Contains(const Footprint& outer, const Footprint& inner) {
  return outer.from <= inner.from && inner.to <= outer.to &&
         std::includes(outer.series.begin(), outer.series.end(), inner.series.begin(),
                       inner.series.end());
}

std::string Describe(const Footprint& f) {
  return absl::StrCat(f.series.size(), " series in [", FormatTimestamp(f.from), ", ",
                      FormatTimestamp(f.to), ")");
}

}  // namespace

Region Subtract(const Footprint& base, const std::vector<const Footprint*>& minus) {
  // Per series: what is left of [from, to) after removing the intervals of the footprints
  // that hold it. Series with the same leftover intervals share boxes.
  std::map<std::vector<Interval>, std::vector<FootprintSeries>> by_leftover;
  std::vector<Interval> cut;
  for (FootprintSeries s : base.series) {
    cut.clear();
    for (const Footprint* m : minus) {
      Timestamp from = std::max(m->from, base.from);
      Timestamp to = std::min(m->to, base.to);
      if (from < to && HasSeries(*m, s)) cut.emplace_back(from, to);
    }
    std::sort(cut.begin(), cut.end());
    std::vector<Interval> left;
    Timestamp at = base.from;
    for (const Interval& c : cut) {
      if (c.first > at) left.emplace_back(at, c.first);
      at = std::max(at, c.second);
    }
    if (at < base.to) left.emplace_back(at, base.to);
    if (!left.empty()) by_leftover[left].push_back(s);  // series arrive sorted
  }
  Region region;
  for (const auto& [intervals, series] : by_leftover) {
    for (const Interval& i : intervals) region.push_back(Footprint{series, i.first, i.second});
  }
  return region;
}

std::string DifferencingGuard::Key(absl::string_view partner, absl::string_view grant) {
  return absl::StrCat(partner, absl::string_view("\0", 1), grant);
}

size_t DifferencingGuard::Remembered(absl::string_view partner, absl::string_view grant) const {
  auto it = released_.find(Key(partner, grant));
  if (it == released_.end()) return 0;
  size_t n = 0;
  for (const auto& query : it->second) n += query.size();
  return n;
}

absl::Status DifferencingGuard::Check(absl::string_view partner, const Grant& grant,
                                      const std::vector<Footprint>& groups,
                                      const RegionCounter& count) const {
  if (!grant.NeedsDifferencingGuard()) return absl::OkStatus();
  auto it = released_.find(Key(partner, grant.name));
  if (it == released_.end()) return absl::OkStatus();
  const Released& earlier = it->second;
  if (Remembered(partner, grant.name) + groups.size() > max_footprints_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "grant '", grant.name, "': the differencing guard remembers at most ", max_footprints_,
        " released groups per partner and is full; ask the data owner"));
  }

  // Refuses if `region` holds records but fewer than the grant's minimum; `how` says which
  // answers the region is the difference of.
  auto check_region = [&](const Region& region,
                          const std::function<std::string()>& how) -> absl::Status {
    if (region.empty()) return absl::OkStatus();
    absl::StatusOr<RegionCount> n = count(region);
    if (!n.ok()) return n.status();
    if (n->records == 0) return absl::OkStatus();
    if (n->records >= grant.min_records && n->series >= grant.min_series) return absl::OkStatus();
    return absl::PermissionDeniedError(absl::StrCat(
        "grant '", grant.name, "' refuses this query: with earlier answers it would single out ",
        n->records, " records in ", n->series, " series, fewer than the minimum group size of ",
        grant.min_records, " records and ", grant.min_series, " series (", how(), ")"));
  };

  for (const Footprint& n : groups) {
    for (const std::vector<Footprint>& query : earlier) {
      std::vector<const Footprint*> inside;
      for (const Footprint& p : query) {
        if (n == p || !Overlap(n, p)) continue;
        auto how = [&] {
          return absl::StrCat("the group of ", Describe(n), " differs from an earlier group of ",
                              Describe(p));
        };
        absl::Status s = check_region(Subtract(n, {&p}), how);
        if (s.ok()) s = check_region(Subtract(p, {&n}), how);
        if (!s.ok()) return s;
        if (Contains(n, p)) inside.push_back(&p);
      }
      if (inside.size() >= 2) {
        absl::Status s = check_region(Subtract(n, inside), [&] {
          return absl::StrCat("the group of ", Describe(n), " minus ", inside.size(),
                              " earlier groups inside it");
        });
        if (!s.ok()) return s;
      }
    }
  }
  for (const std::vector<Footprint>& query : earlier) {
    for (const Footprint& p : query) {
      std::vector<const Footprint*> inside;
      for (const Footprint& n : groups) {
        if (n != p && Contains(p, n)) inside.push_back(&n);
      }
      if (inside.size() >= 2) {
        absl::Status s = check_region(Subtract(p, inside), [&] {
          return absl::StrCat("an earlier group of ", Describe(p), " minus ", inside.size(),
                              " groups of this query inside it");
        });
        if (!s.ok()) return s;
      }
    }
  }
  return absl::OkStatus();
}

void DifferencingGuard::Record(absl::string_view partner, const Grant& grant,
                               std::vector<Footprint> groups) {
  if (!grant.NeedsDifferencingGuard() || groups.empty()) return;
  released_[Key(partner, grant.name)].push_back(std::move(groups));
}

std::vector<DifferencingGuard::RememberedQuery> DifferencingGuard::Export() const {
  std::vector<std::string> keys;
  for (const auto& [key, queries] : released_) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  std::vector<RememberedQuery> out;
  for (const std::string& key : keys) {
    size_t nul = key.find('\0');
    std::string partner = key.substr(0, nul);
    std::string grant = nul == std::string::npos ? "" : key.substr(nul + 1);
    for (const std::vector<Footprint>& groups : released_.at(key)) {
      out.push_back(RememberedQuery{partner, grant, groups});
    }
  }
  return out;
}

void DifferencingGuard::Import(absl::string_view partner, absl::string_view grant,
                               std::vector<Footprint> groups) {
  if (groups.empty()) return;
  released_[Key(partner, grant)].push_back(std::move(groups));
}

void DifferencingGuard::Forget(absl::string_view partner, absl::string_view grant) {
  released_.erase(Key(partner, grant));
}

}  // namespace cairn
