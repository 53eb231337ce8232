#include "policy/private_release.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

// |quantised values| are kept below this so that value + noise cannot overflow.
constexpr double kMaxQuanta = 4.0e18;

LaplaceScale ShareScale(int64_t sensitivity, int shares, int64_t epsilon_micros) {
  uint64_t num = static_cast<uint64_t>(sensitivity) * static_cast<uint64_t>(shares) *
                 static_cast<uint64_t>(kMicrosPerEpsilon);
  uint64_t den = static_cast<uint64_t>(epsilon_micros);
  uint64_t g = std::gcd(num, den);
  return LaplaceScale{num / g, den / g};
}

Query PartQuery(const Query& q, const std::string& metric, Aggregate aggregate) {
  Query part = q;
  part.metric = metric;
  part.aggregate = aggregate;
  part.ratio_denominator.clear();
  return part;
}

int64_t Quantise(double value, double resolution) {
  double q = std::round(value / resolution);
  if (!std::isfinite(q)) return 0;
  return static_cast<int64_t>(std::clamp(q, -kMaxQuanta, kMaxQuanta));
}

using GroupKey = std::pair<std::optional<Timestamp>, std::vector<std::string>>;

}  // namespace

absl::StatusOr<PrivatePlan> PlanPrivateRelease(const Grant& grant, const Query& query) {
  if (!grant.privacy) {
    return absl::FailedPreconditionError(
        absl::StrCat("grant '", grant.name, "' has no privacy block"));
  }
  const PrivacySpec& p = *grant.privacy;
  PrivatePlan plan;
  plan.epsilon_micros = p.epsilon_micros;

  std::vector<std::pair<NoisyPart::Kind, std::string>> parts;
  switch (query.aggregate) {
    case Aggregate::kSum:
    case Aggregate::kMean:
      parts = {{NoisyPart::Kind::kSum, query.metric}, {NoisyPart::Kind::kCount, query.metric}};
      break;
    case Aggregate::kCount:
      parts = {{NoisyPart::Kind::kCount, query.metric}};
      break;
    case Aggregate::kRatio:
      parts = {{NoisyPart::Kind::kSum, query.metric},
               {NoisyPart::Kind::kSum, query.ratio_denominator},
               {NoisyPart::Kind::kCount, query.metric}};
      break;
    case Aggregate::kMin:
    case Aggregate::kMax:
      return absl::FailedPreconditionError(
          absl::StrCat(AggregateName(query.aggregate),
                       " cannot be released with differential privacy (one record decides it)"));
  }
  const int shares = static_cast<int>(parts.size());
  for (const auto& [kind, metric] : parts) {
    NoisyPart part;
    part.kind = kind;
    if (kind == NoisyPart::Kind::kCount) {
      part.query = PartQuery(query, metric, Aggregate::kCount);
      part.scale = ShareScale(1, shares, p.epsilon_micros);
    } else {
      auto it = p.clamps.find(metric);
      if (it == p.clamps.end()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "grant '", grant.name, "' has no clamping bounds for metric '", metric, "'"));
      }
      part.query = PartQuery(query, metric, Aggregate::kSum);
      part.clamp = it->second;
      part.scale = ShareScale(it->second.SensitivityQuanta(), shares, p.epsilon_micros);
    }
    plan.parts.push_back(std::move(part));
  }
  return plan;
}

absl::StatusOr<ReleasedResult> ReleasePrivate(const Grant& grant, const PrivatePlan& plan,
                                              const Query& query,
                                              const std::vector<QueryResult>& part_results,
                                              RandomSource& rng) {
  if (part_results.size() != plan.parts.size()) {
    return absl::InvalidArgumentError(absl::StrCat("a private release needs ", plan.parts.size(),
                                                   " part results, got ", part_results.size()));
  }
  // Exact quantised part values per group; a group missing from a part holds 0 there.
  struct Group {
    std::vector<int64_t> quanta;
    uint64_t series = 0;
  };
  std::map<GroupKey, Group> groups;
  for (size_t i = 0; i < plan.parts.size(); ++i) {
    const NoisyPart& part = plan.parts[i];
    double resolution = part.kind == NoisyPart::Kind::kSum ? part.clamp.resolution : 1;
    for (const ResultRow& row : part_results[i].rows) {
      Group& g = groups[GroupKey{row.bucket, row.tags}];
      g.quanta.resize(plan.parts.size(), 0);
      double value = row.value.value_or(part.kind == NoisyPart::Kind::kCount ? row.records : 0);
      g.quanta[i] = Quantise(value, resolution);
      g.series = std::max(g.series, row.series);
    }
  }

  ReleasedResult release;
  release.epsilon_micros = plan.epsilon_micros;
  release.result.time_group = query.time_group;
  release.result.group_tags = query.group_tags;
  const size_t count_part = plan.parts.size() - 1;  // the plan puts the count last
  for (auto& [key, g] : groups) {
    g.quanta.resize(plan.parts.size(), 0);
    std::vector<int64_t> noisy(plan.parts.size());
    for (size_t i = 0; i < plan.parts.size(); ++i) {
      absl::StatusOr<int64_t> z = SampleDiscreteLaplace(rng, plan.parts[i].scale);
      if (!z.ok()) return z.status();
      noisy[i] = g.quanta[i] + *z;
    }
    const int64_t count = noisy[count_part];
    if (count < 1 || static_cast<uint64_t>(count) < grant.min_records ||
        g.series < grant.min_series) {
      continue;
    }
    ResultRow row;
    row.bucket = key.first;
    row.tags = key.second;
    row.records = static_cast<uint64_t>(count);
    auto sum_of = [&](size_t i) { return noisy[i] * plan.parts[i].clamp.resolution; };
    switch (query.aggregate) {
      case Aggregate::kSum:
        row.value = sum_of(0);
        break;
      case Aggregate::kCount:
        row.value = static_cast<double>(count);
        break;
      case Aggregate::kMean:
        row.value = std::clamp(sum_of(0) / count, plan.parts[0].clamp.lo, plan.parts[0].clamp.hi);
        break;
      case Aggregate::kRatio:
        if (noisy[1] != 0) row.value = sum_of(0) / sum_of(1);
        break;
      case Aggregate::kMin:
      case Aggregate::kMax:
        return absl::FailedPreconditionError("min and max are never released privately");
    }
    release.result.rows.push_back(std::move(row));
  }
  return release;
}

}  // namespace cairn
