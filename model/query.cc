#include "model/query.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "model/series.h"

namespace cairn {

absl::string_view AggregateName(Aggregate a) {
  switch (a) {
    case Aggregate::kSum:
      return "sum";
    case Aggregate::kCount:
      return "count";
    case Aggregate::kMean:
      return "mean";
    case Aggregate::kMin:
      return "min";
    case Aggregate::kMax:
      return "max";
    case Aggregate::kRatio:
      return "ratio";
  }
  return "?";
}

std::optional<Aggregate> ParseAggregate(absl::string_view name) {
  for (Aggregate a : {Aggregate::kSum, Aggregate::kCount, Aggregate::kMean, Aggregate::kMin,
                      Aggregate::kMax, Aggregate::kRatio}) {
    if (AggregateName(a) == name) return a;
  }
  return std::nullopt;
}

absl::Status ValidateQuery(const Query& q, const MetricRegistry& registry) {
  if (registry.Find(q.metric) == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown metric '", q.metric, "'"));
  }
  if (q.aggregate == Aggregate::kRatio) {
    if (q.ratio_denominator.empty()) {
      return absl::InvalidArgumentError("a ratio needs a denominator metric (--ratio-to)");
    }
    if (registry.Find(q.ratio_denominator) == nullptr) {
      return absl::NotFoundError(absl::StrCat("unknown metric '", q.ratio_denominator, "'"));
    }
  } else if (!q.ratio_denominator.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a denominator metric is only meaningful with the ratio aggregate, not ",
                     AggregateName(q.aggregate)));
  }
  if (q.from >= q.to) {
    return absl::InvalidArgumentError(absl::StrCat("empty time range: from ",
                                                   FormatTimestamp(q.from), " is not before to ",
                                                   FormatTimestamp(q.to)));
  }
  if (q.from < kMinTimestamp || q.to > kMaxTimestamp) {
    return absl::InvalidArgumentError("time range outside the years 1900..9999");
  }
  std::set<std::string> grouped;
  for (const std::string& tag : q.group_tags) {
    if (!IsValidIdentifier(tag) || IsReservedTagName(tag)) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot group by '", tag, "': not a tag name"));
    }
    if (!grouped.insert(tag).second) {
      return absl::InvalidArgumentError(absl::StrCat("tag '", tag, "' is grouped by twice"));
    }
  }
  for (const TagFilter& f : q.filters) {
    if (!IsValidIdentifier(f.tag) || IsReservedTagName(f.tag)) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot filter on '", f.tag, "': not a tag name"));
    }
    if (f.values.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("filter on '", f.tag, "' has no values"));
    }
  }
  return absl::OkStatus();
}

std::string DescribeQuery(const Query& q) {
  std::string out = q.aggregate == Aggregate::kRatio
                        ? absl::StrCat("ratio(", q.metric, " / ", q.ratio_denominator, ")")
                        : absl::StrCat(AggregateName(q.aggregate), "(", q.metric, ")");
  if (q.from == kMinTimestamp && q.to == kMaxTimestamp) {
    absl::StrAppend(&out, " over all time");
  } else {
    absl::StrAppend(&out, " [", q.from == kMinTimestamp ? "start" : FormatTimestamp(q.from), ", ",
                    q.to == kMaxTimestamp ? "end" : FormatTimestamp(q.to), ")");
  }
  for (const TagFilter& f : q.filters) {
    absl::StrAppend(&out, " where ", f.tag, "=", absl::StrJoin(f.values, ","));
  }
  std::vector<std::string> groups;
  if (q.time_group) groups.emplace_back(GranularityName(*q.time_group));
  groups.insert(groups.end(), q.group_tags.begin(), q.group_tags.end());
  if (!groups.empty()) absl::StrAppend(&out, " by ", absl::StrJoin(groups, ","));
  return out;
}

}  // namespace cairn
