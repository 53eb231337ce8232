#include "policy/decision.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cairn {
namespace {

std::string Allowed(const std::vector<std::string>& items, absl::string_view none) {
  if (items.empty()) return std::string(none);
  return absl::StrCat("it allows ", absl::StrJoin(items, ", "));
}

std::string AllowedAggregates(const Grant& g) {
  std::vector<std::string> names;
  for (Aggregate a : g.aggregates) names.emplace_back(AggregateName(a));
  return Allowed(names, "it allows no aggregates");
}

std::string AllowedRatios(const Grant& g) {
  std::vector<std::string> names;
  for (const RatioPair& r : g.ratios) names.push_back(RatioName(r));
  return Allowed(names, "it allows no ratios");
}

bool IsAligned(Timestamp t, Granularity g) {
  return t == kMinTimestamp || t == kMaxTimestamp || BucketFloor(t, g) == t;
}

// Returns `check`, and when `reason` is wanted, writes "grant 'name' <detail>" into it. The
// detail is built only then: Decide() evaluates many grants but describes few.
template <typename Detail>
Check Fail(std::string* reason, const Grant& g, Check check, Detail detail) {
  if (reason != nullptr) *reason = absl::StrCat("grant '", g.name, "' ", detail());
  return check;
}

// True if some filter on `tag` restricts it to a subset of `allowed` (sorted).
bool FiltersWithin(const Query& q, const std::string& tag,
                   const std::vector<std::string>& allowed) {
  for (const TagFilter& f : q.filters) {
    if (f.tag != tag) continue;
    bool within = std::all_of(f.values.begin(), f.values.end(), [&](const std::string& v) {
      return std::binary_search(allowed.begin(), allowed.end(), v);
    });
    if (within) return true;
  }
  return false;
}

bool Contains(const std::vector<std::string>& sorted, const std::string& x) {
  return std::binary_search(sorted.begin(), sorted.end(), x);
}

}  // namespace

absl::string_view CheckName(Check check) {
  switch (check) {
    case Check::kPartner:
      return "partner";
    case Check::kValidity:
      return "validity";
    case Check::kMetric:
      return "metric";
    case Check::kRatio:
      return "ratio";
    case Check::kAggregate:
      return "aggregate";
    case Check::kFilterTag:
      return "filter_tags";
    case Check::kScope:
      return "scope";
    case Check::kGroupTag:
      return "group_tags";
    case Check::kGranularity:
      return "finest";
    case Check::kDenyRule:
      return "deny";
    case Check::kRateLimit:
      return "rate_limit";
    case Check::kBudget:
      return "budget";
    case Check::kFederation:
      return "federation";
  }
  return "?";
}

namespace {

// The first check of `g` that `q` fails at `now` (in a round of `consortium` if not empty), or
// nullopt; with `reason`, also says why.
std::optional<Check> Evaluate(const Grant& g, const Query& q, Timestamp now,
                              absl::string_view consortium, std::string* reason) {
  if (consortium.empty() && g.federation) {
    return Fail(reason, g, Check::kFederation, [&] {
      return absl::StrCat("answers only federated rounds of consortium ", g.federation->consortium);
    });
  }
  if (!consortium.empty() && !g.federation) {
    return Fail(reason, g, Check::kFederation,
                [&] { return std::string("does not answer federated rounds"); });
  }
  if (!consortium.empty() && g.federation->consortium != consortium) {
    return Fail(reason, g, Check::kFederation, [&] {
      return absl::StrCat("answers federated rounds of consortium ", g.federation->consortium,
                          ", not ", consortium);
    });
  }
  if (g.valid_from && now < *g.valid_from) {
    return Fail(reason, g, Check::kValidity, [&] {
      return absl::StrCat("is not valid before ", FormatTimestamp(*g.valid_from));
    });
  }
  if (g.valid_until && now >= *g.valid_until) {
    return Fail(reason, g, Check::kValidity,
                [&] { return absl::StrCat("expired at ", FormatTimestamp(*g.valid_until)); });
  }

  if (q.aggregate == Aggregate::kRatio) {
    if (!g.AllowsRatio(q.metric, q.ratio_denominator)) {
      return Fail(reason, g, Check::kRatio, [&] {
        return absl::StrCat("does not allow the ratio ", q.metric, "/", q.ratio_denominator, " (",
                            AllowedRatios(g), ")");
      });
    }
  } else {
    if (!q.ratio_denominator.empty()) {
      return Fail(reason, g, Check::kRatio, [&] {
        return absl::StrCat("cannot answer: a denominator metric needs the ratio aggregate");
      });
    }
    if (!g.AllowsMetric(q.metric)) {
      return Fail(reason, g, Check::kMetric, [&] {
        return absl::StrCat("does not allow metric ", q.metric, " (",
                            Allowed(g.metrics, "it allows only ratios"), ")");
      });
    }
    if (!g.AllowsAggregate(q.aggregate)) {
      return Fail(reason, g, Check::kAggregate, [&] {
        return absl::StrCat("allows metric ", q.metric, " but not aggregate ",
                            AggregateName(q.aggregate), " (", AllowedAggregates(g), ")");
      });
    }
  }

  for (const TagFilter& f : q.filters) {
    if (!g.AllowsFilterTag(f.tag) && g.scope.count(f.tag) == 0) {
      return Fail(reason, g, Check::kFilterTag, [&] {
        return absl::StrCat("does not allow filtering on tag ", f.tag, " (",
                            Allowed(g.filter_tags, "it allows no filters"), ")");
      });
    }
  }
  for (const auto& scope : g.scope) {
    const std::string& tag = scope.first;  // named, not bound: lambdas capture names (C++17)
    const std::vector<std::string>& values = scope.second;
    if (!FiltersWithin(q, tag, values)) {
      return Fail(reason, g, Check::kScope, [&] {
        return absl::StrCat("covers only ", tag, " in {", absl::StrJoin(values, ", "),
                            "}: the query must filter ", tag, " to those values");
      });
    }
  }
  for (const std::string& tag : q.group_tags) {
    if (!g.AllowsGroupTag(tag)) {
      return Fail(reason, g, Check::kGroupTag, [&] {
        return absl::StrCat("does not allow grouping by tag ", tag, " (",
                            Allowed(g.group_tags, "it allows no tag grouping"), ")");
      });
    }
  }

  absl::string_view finest = GranularityName(g.finest);
  if (q.time_group && !IsCoarserOrEqual(*q.time_group, g.finest)) {
    return Fail(reason, g, Check::kGranularity, [&] {
      return absl::StrCat("allows time buckets no finer than ", finest, ", not by ",
                          GranularityName(*q.time_group));
    });
  }
  if (!IsAligned(q.from, g.finest)) {
    return Fail(reason, g, Check::kGranularity, [&] {
      return absl::StrCat("allows time buckets no finer than ", finest,
                          ": the range must start on a ", finest, " boundary (",
                          FormatTimestamp(q.from), " is not)");
    });
  }
  if (!IsAligned(q.to, g.finest)) {
    return Fail(reason, g, Check::kGranularity, [&] {
      return absl::StrCat("allows time buckets no finer than ", finest,
                          ": the range must end on a ", finest, " boundary (",
                          FormatTimestamp(q.to), " is not)");
    });
  }
  return std::nullopt;
}

}  // namespace

std::optional<Refusal> CheckGrant(const Grant& grant, const Query& query, Timestamp now,
                                  absl::string_view consortium) {
  std::string reason;
  std::optional<Check> failed = Evaluate(grant, query, now, consortium, &reason);
  if (!failed) return std::nullopt;
  return Refusal{&grant, *failed, std::move(reason)};
}

bool DenyRuleMatches(const DenyRule& r, const Query& q) {
  if (!r.metrics.empty() && !Contains(r.metrics, q.metric) &&
      !(q.aggregate == Aggregate::kRatio && Contains(r.metrics, q.ratio_denominator))) {
    return false;
  }
  if (!r.aggregates.empty() &&
      !std::binary_search(r.aggregates.begin(), r.aggregates.end(), q.aggregate)) {
    return false;
  }
  if (!r.tags.empty()) {
    bool uses = std::any_of(q.group_tags.begin(), q.group_tags.end(),
                            [&](const std::string& t) { return Contains(r.tags, t); }) ||
                std::any_of(q.filters.begin(), q.filters.end(),
                            [&](const TagFilter& f) { return Contains(r.tags, f.tag); });
    if (!uses) return false;
  }
  if (r.data_from && q.to <= *r.data_from) return false;
  if (r.data_to && q.from >= *r.data_to) return false;
  return true;
}

Decision Decide(const Policy& policy, absl::string_view partner, const Query& query, Timestamp now,
                absl::string_view consortium) {
  Decision d;
  for (uint32_t i : policy.DenyRuleIndicesFor(partner)) {
    const DenyRule& rule = policy.deny_rules()[i];
    if (DenyRuleMatches(rule, query)) {
      d.deny_rule = &rule;
      d.denied_by = Check::kDenyRule;
      d.reason = absl::StrCat("denied by rule '", rule.name, "': ", rule.reason);
      d.refusals.push_back({nullptr, Check::kDenyRule, d.reason});
      return d;
    }
  }
  absl::Span<const uint32_t> grants = policy.GrantIndicesFor(partner);
  if (grants.empty()) {
    d.denied_by = Check::kPartner;
    d.reason = absl::StrCat("no grant covers partner '", partner, "'");
    d.refusals.push_back({nullptr, Check::kPartner, d.reason});
    return d;
  }
  std::vector<const Grant*> refusing;
  for (uint32_t i : grants) {
    const Grant& g = policy.grants()[i];
    if (!Evaluate(g, query, now, consortium, nullptr)) {
      d.allowed = true;
      d.grant = &g;
      d.reason = absl::StrCat("allowed by grant '", g.name, "' (purpose: ", g.purpose, ")");
      return d;
    }
    refusing.push_back(&g);
  }
  d.refusing_grants = refusing.size();
  for (size_t i = 0; i < refusing.size() && i < kMaxDescribedRefusals; ++i) {
    d.refusals.push_back(*CheckGrant(*refusing[i], query, now, consortium));
  }
  d.denied_by = d.refusals.front().check;
  if (d.refusals.size() == 1) {
    d.reason = d.refusals.front().reason;
  } else {
    d.reason = absl::StrCat("no grant allows this query: ",
                            absl::StrJoin(d.refusals, "; ", [](std::string* out, const Refusal& r) {
                              out->append(r.reason);
                            }));
    if (refusing.size() > d.refusals.size()) {
      absl::StrAppend(&d.reason, "; and ", refusing.size() - d.refusals.size(),
                      " more grants refuse");
    }
  }
  return d;
}

Explanation Explain(const Policy& policy, absl::string_view partner, const Query& query,
                    Timestamp now, absl::string_view consortium) {
  Explanation e;
  e.decision = Decide(policy, partner, query, now, consortium);
  e.lines.push_back(absl::StrCat(
      "partner '", partner, "' asks ", DescribeQuery(query),
      consortium.empty() ? "" : absl::StrCat(" in a federated round of consortium ", consortium),
      " at ", FormatTimestamp(now)));
  for (uint32_t i : policy.DenyRuleIndicesFor(partner)) {
    const DenyRule& rule = policy.deny_rules()[i];
    e.lines.push_back(absl::StrCat("deny rule '", rule.name, "': ",
                                   DenyRuleMatches(rule, query)
                                       ? absl::StrCat("matches (", rule.reason, ")")
                                       : std::string("does not match")));
  }
  absl::Span<const uint32_t> grants = policy.GrantIndicesFor(partner);
  if (grants.empty()) e.lines.push_back(absl::StrCat("no grant binds partner '", partner, "'"));
  for (uint32_t i : grants) {
    const Grant& g = policy.grants()[i];
    std::string who = g.partner.empty() ? absl::StrCat("group '", g.group, "'")
                                        : absl::StrCat("partner '", g.partner, "'");
    std::optional<Refusal> refusal = CheckGrant(g, query, now, consortium);
    e.lines.push_back(absl::StrCat(
        "grant '", g.name, "' (", who, ", ", ReleaseName(g.release), ", purpose: ", g.purpose,
        "): ",
        refusal ? absl::StrCat("refuses [", CheckName(refusal->check), "]: ", refusal->reason)
                : std::string("admits")));
  }
  return e;
}

std::string Explanation::ToString() const {
  return absl::StrCat(absl::StrJoin(lines, "\n"), "\n=> ", decision.allowed ? "allowed" : "denied",
                      ": ", decision.reason, "\n");
}

}  // namespace cairn
