#include "tools/cairnctl/query_flags.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace cairn {

void QueryFlags::Register(CLI::App* command) {
  command->add_option("-m,--metric", metric, "metric to aggregate, e.g. energy")->required();
  command->add_option("-a,--agg", aggregate,
                      "sum, count, mean, min, max or ratio (default: sum; ratio with --ratio-to)");
  command->add_option("--ratio-to", ratio_to,
                      "denominator metric: value = sum(metric) / sum(this) per group");
  command->add_option("--from", from, "start, inclusive (RFC 3339, 2026-01-05, 2026-01, 2026)");
  command->add_option("--to", to, "end, exclusive (same forms as --from)");
  command->add_option("-g,--group-by", group_by,
                      "hour|day|week|month|quarter|year and/or tag names, comma-separated");
  command->add_option("-w,--where", where, "tag=value or tag=a,b (repeatable)");
}

absl::StatusOr<Query> QueryFlags::Build() const {
  Query q;
  q.metric = metric;
  if (aggregate.empty()) {
    q.aggregate = ratio_to.empty() ? Aggregate::kSum : Aggregate::kRatio;
  } else {
    std::optional<Aggregate> agg = ParseAggregate(aggregate);
    if (!agg) {
      return absl::InvalidArgumentError(
          absl::StrCat("--agg '", aggregate, "': expected sum, count, mean, min, max or ratio"));
    }
    q.aggregate = *agg;
  }
  q.ratio_denominator = ratio_to;
  if (!from.empty()) {
    absl::StatusOr<Timestamp> t = ParseTimeArg(from);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("--from: ", t.status().message()));
    q.from = *t;
  }
  if (!to.empty()) {
    absl::StatusOr<Timestamp> t = ParseTimeArg(to);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("--to: ", t.status().message()));
    q.to = *t;
  }
  for (const std::string& arg : group_by) {
    for (absl::string_view part : absl::StrSplit(arg, ',', absl::SkipWhitespace())) {
      part = absl::StripAsciiWhitespace(part);
      if (std::optional<Granularity> g = ParseGranularity(part)) {
        if (q.time_group) {
          return absl::InvalidArgumentError(
              absl::StrCat("--group-by: only one time grouping at a time (",
                           GranularityName(*q.time_group), " and ", part, ")"));
        }
        q.time_group = g;
      } else {
        q.group_tags.emplace_back(part);
      }
    }
  }
  for (const std::string& arg : where) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--where '", arg, "': expected tag=value or tag=a,b"));
    }
    TagFilter filter;
    filter.tag = std::string(absl::StripAsciiWhitespace(arg.substr(0, eq)));
    for (absl::string_view v : absl::StrSplit(arg.substr(eq + 1), ',', absl::SkipEmpty())) {
      filter.values.emplace_back(v);
    }
    q.filters.push_back(std::move(filter));
  }
  return q;
}

}  // namespace cairn
