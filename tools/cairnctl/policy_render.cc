// See policy_render.h.
#include "tools/cairnctl/policy_render.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/time.h"

namespace cairn {
namespace {

Value TimeOrNull(const std::optional<Timestamp>& t) {
  return t ? Value(FormatTimestamp(*t)) : Value();
}

Value PrivacyValue(const PrivacySpec& p) {
  Json clamps = Json::object();
  std::vector<std::string> clamp_text;
  for (const auto& [metric, c] : p.clamps) {
    clamps[metric] = {{"lo", c.lo}, {"hi", c.hi}, {"resolution", c.resolution}};
    clamp_text.push_back(absl::StrCat(metric, " clamped to [", ExactNumber(c.lo), ", ",
                                      ExactNumber(c.hi), "] by ", ExactNumber(c.resolution)));
  }
  const std::string period(GranularityName(p.period));
  Json json = {
      {"epsilon", p.epsilon}, {"budget", p.budget}, {"period", period}, {"clamps", clamps}};
  std::string text =
      absl::StrCat("epsilon ", FormatEpsilon(p.epsilon_micros), " per query, budget ",
                   FormatEpsilon(p.budget_micros), " per ", period);
  if (!clamp_text.empty()) absl::StrAppend(&text, "; ", absl::StrJoin(clamp_text, ", "));
  return Value::Nested(std::move(json), std::move(text));
}

}  // namespace

Record GrantRecord(const Grant& g) {
  std::vector<std::string> aggregates, ratios;
  for (Aggregate a : g.aggregates) aggregates.emplace_back(AggregateName(a));
  for (const RatioPair& r : g.ratios) ratios.push_back(RatioName(r));
  Json scope = Json::object();
  std::vector<std::string> scope_text;
  for (const auto& [tag, values] : g.scope) {
    scope[tag] = values;
    scope_text.push_back(absl::StrCat(tag, " in ", absl::StrJoin(values, ", ")));
  }
  Record r;
  r.Add("name", g.name)
      .Add("partner", g.partner.empty() ? Value() : Value(g.partner))
      .Add("group", g.group.empty() ? Value() : Value(g.group))
      .Add("purpose", g.purpose)
      .Add("release", ReleaseName(g.release))
      .Add("metrics", g.metrics)
      .Add("aggregates", aggregates)
      .Add("ratios", ratios)
      .Add("filter_tags", g.filter_tags)
      .Add("group_tags", g.group_tags)
      .Add("scope", Value::Nested(scope, absl::StrJoin(scope_text, "; ")))
      .Add("finest", GranularityName(g.finest))
      .Add("min_records", g.min_records)
      .Add("min_series", g.min_series)
      .Add("privacy", g.privacy ? PrivacyValue(*g.privacy) : Value())
      .Add(
          "rate_limit",
          g.rate_limit
              ? Value::Nested(
                    {{"queries", g.rate_limit->queries}, {"window", g.rate_limit->window_name}},
                    absl::StrCat(g.rate_limit->queries, " queries per ", g.rate_limit->window_name))
              : Value())
      .Add("valid_from", TimeOrNull(g.valid_from))
      .Add("valid_until", TimeOrNull(g.valid_until))
      .Add("federation",
           g.federation
               ? Value::Nested({{"consortium", g.federation->consortium},
                                {"min_cohort", g.federation->min_cohort}},
                               absl::StrCat("rounds of ", g.federation->consortium, " only, ",
                                            g.federation->min_cohort, " members or more"))
               : Value());
  return r;
}

std::vector<std::string> ChangeLines(const PolicyChangesView& c) {
  std::vector<std::string> lines;
  auto add = [&](const std::vector<std::string>& names, const char* what, const char* how) {
    for (const std::string& n : names) lines.push_back(absl::StrCat(what, " '", n, "' ", how));
  };
  add(c.grants_added, "grant", "added");
  add(c.grants_changed, "grant", "changed");
  add(c.grants_removed, "grant", "removed");
  add(c.deny_rules_added, "deny rule", "added");
  add(c.deny_rules_changed, "deny rule", "changed");
  add(c.deny_rules_removed, "deny rule", "removed");
  if (c.groups_changed) lines.push_back("groups changed");
  return lines;
}

Value ChangesValue(const PolicyChangesView& c) {
  Json json = {{"grants_added", c.grants_added},
               {"grants_changed", c.grants_changed},
               {"grants_removed", c.grants_removed},
               {"deny_rules_added", c.deny_rules_added},
               {"deny_rules_changed", c.deny_rules_changed},
               {"deny_rules_removed", c.deny_rules_removed},
               {"groups_changed", c.groups_changed}};
  std::vector<std::string> parts;
  auto add = [&](const std::vector<std::string>& names, const char* sign) {
    for (const std::string& n : names) parts.push_back(absl::StrCat(sign, n));
  };
  add(c.grants_added, "+grant ");
  add(c.grants_changed, "~grant ");
  add(c.grants_removed, "-grant ");
  add(c.deny_rules_added, "+deny ");
  add(c.deny_rules_changed, "~deny ");
  add(c.deny_rules_removed, "-deny ");
  if (c.groups_changed) parts.push_back("~groups");
  return Value::Nested(std::move(json),
                       parts.empty() ? "(no grant changes)" : absl::StrJoin(parts, " "));
}

}  // namespace cairn
