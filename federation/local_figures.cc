// A member's figures for a round; see local_figures.h.
#include "federation/local_figures.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "policy/private_release.h"

namespace cairn {
namespace {

// Per metric and group: the local sum and the numbers of records and series.
struct MetricFigures {
  std::vector<double> sums;
  std::vector<uint64_t> records;
  std::vector<uint64_t> series;
};

absl::StatusOr<MetricFigures> RunMetric(const Query& query, const std::string& metric,
                                        std::optional<ClampRange> clamp, const KeySpace& keys,
                                        const LocalQuery& local) {
  Query part = query;
  part.metric = metric;
  part.aggregate = Aggregate::kSum;
  part.ratio_denominator.clear();
  CAIRN_ASSIGN_OR_RETURN(const QueryResult result, local(part, clamp));
  MetricFigures f{std::vector<double>(keys.size(), 0), std::vector<uint64_t>(keys.size(), 0),
                  std::vector<uint64_t>(keys.size(), 0)};
  for (const ResultRow& row : result.rows) {
    std::optional<size_t> index = keys.IndexOf(row.bucket, row.tags);
    if (!index) continue;  // outside the key space: in no group
    f.sums[*index] = row.value.value_or(0);
    f.records[*index] = row.records;
    f.series[*index] = row.series;
  }
  return f;
}

absl::StatusOr<LocalFigures> ExactFigures(const Query& query, const KeySpace& keys,
                                          const Grant& grant, const LocalQuery& local) {
  std::map<std::string, MetricFigures> figures;
  for (const std::string& metric : MetricsOf(query)) {
    CAIRN_ASSIGN_OR_RETURN(figures[metric], RunMetric(query, metric, std::nullopt, keys, local));
  }
  const std::vector<Component> components = ComponentsOf(query);
  LocalFigures out{std::vector<uint8_t>(keys.size(), 0),
                   std::vector<std::vector<Quanta>>(keys.size())};
  const uint64_t min_records = std::max<uint64_t>(grant.min_records, 1);
  for (size_t g = 0; g < keys.size(); ++g) {
    uint64_t records = 0, series = 0;
    for (const auto& [metric, f] : figures) {
      records += f.records[g];
      series += f.series[g];
    }
    out.contributes[g] = records >= min_records && series >= grant.min_series ? 1 : 0;
    // The components hold every record of the group, contributor or not (see the header).
    for (const Component& c : components) {
      const MetricFigures& f = figures.at(c.metric);
      if (c.kind == Component::Kind::kCount) {
        out.components[g].push_back(QuantaOfInteger(static_cast<int64_t>(f.records[g])));
      } else {
        CAIRN_ASSIGN_OR_RETURN(Quanta q, ToQuanta(f.sums[g]));
        out.components[g].push_back(q);
      }
    }
  }
  return out;
}

// Quantises to the grant's resolution as private_release does (round to nearest).
absl::StatusOr<int64_t> QuantiseToResolution(double value, double resolution) {
  const double q = std::round(value / resolution);
  // Clamped sums of at most 2^60 records stay far below this; anything else is a broken input.
  if (!std::isfinite(q) || std::fabs(q) > 4.0e18) {
    return absl::InvalidArgumentError(
        absl::StrCat("local sum ", value, " is out of range at resolution ", resolution));
  }
  return static_cast<int64_t>(q);
}

absl::StatusOr<LocalFigures> NoisyFigures(const Query& query, const KeySpace& keys,
                                          const Grant& grant, const LocalQuery& local,
                                          RandomSource& rng) {
  CAIRN_ASSIGN_OR_RETURN(const PrivatePlan plan, PlanPrivateRelease(grant, query));
  // One local run per metric, clamped if the plan sums it.
  std::map<std::string, MetricFigures> figures;
  for (const std::string& metric : MetricsOf(query)) {
    std::optional<ClampRange> clamp;
    for (const NoisyPart& part : plan.parts) {
      if (part.kind == NoisyPart::Kind::kSum && part.query.metric == metric) {
        clamp = ClampRange{part.clamp.lo, part.clamp.hi};
      }
    }
    CAIRN_ASSIGN_OR_RETURN(figures[metric], RunMetric(query, metric, clamp, keys, local));
  }
  const std::vector<Component> components = ComponentsOf(query);
  const int64_t min_records = static_cast<int64_t>(std::max<uint64_t>(grant.min_records, 1));
  LocalFigures out{std::vector<uint8_t>(keys.size(), 0),
                   std::vector<std::vector<Quanta>>(keys.size())};
  std::vector<double> noisy(plan.parts.size());  // per part, in the metric's unit
  for (size_t g = 0; g < keys.size(); ++g) {
    std::optional<int64_t> noisy_count;
    for (size_t i = 0; i < plan.parts.size(); ++i) {
      const NoisyPart& part = plan.parts[i];
      const MetricFigures& f = figures.at(part.query.metric);
      CAIRN_ASSIGN_OR_RETURN(const int64_t z, SampleDiscreteLaplace(rng, part.scale));
      if (part.kind == NoisyPart::Kind::kCount) {
        const int64_t count = static_cast<int64_t>(f.records[g]) + z;
        noisy[i] = static_cast<double>(count);
        if (!noisy_count) noisy_count = count;
      } else {
        CAIRN_ASSIGN_OR_RETURN(const int64_t q,
                               QuantiseToResolution(f.sums[g], part.clamp.resolution));
        noisy[i] = static_cast<double>(q + z) * part.clamp.resolution;
      }
    }
    out.contributes[g] = noisy_count && *noisy_count >= min_records ? 1 : 0;
    for (const Component& c : components) {
      const NoisyPart::Kind kind =
          c.kind == Component::Kind::kCount ? NoisyPart::Kind::kCount : NoisyPart::Kind::kSum;
      auto part = std::find_if(plan.parts.begin(), plan.parts.end(), [&](const NoisyPart& p) {
        return p.kind == kind && p.query.metric == c.metric;
      });
      if (part == plan.parts.end()) {
        return absl::InternalError(absl::StrCat("the private plan has no ", c.metric, " part"));
      }
      CAIRN_ASSIGN_OR_RETURN(Quanta q, ToQuanta(noisy[part - plan.parts.begin()]));
      out.components[g].push_back(q);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<LocalFigures> ComputeLocalFigures(const Query& query, const KeySpace& keys,
                                                 const Grant& grant, const LocalQuery& local,
                                                 RandomSource& rng) {
  if (grant.privacy) return NoisyFigures(query, keys, grant, local, rng);
  return ExactFigures(query, keys, grant, local);
}

}  // namespace cairn
