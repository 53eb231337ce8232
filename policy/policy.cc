#include "policy/policy.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "model/partner_name.h"
#include "model/series.h"

namespace cairn {
namespace {

template <typename T>
bool SortedContains(const std::vector<T>& v, const T& x) {
  return std::binary_search(v.begin(), v.end(), x);
}

bool SortedContains(const std::vector<std::string>& v, absl::string_view x) {
  auto it = std::lower_bound(v.begin(), v.end(), x,
                             [](const std::string& a, absl::string_view b) { return a < b; });
  return it != v.end() && *it == x;
}

// "policy.toml:12:3", or just the file, or "" when unknown.
std::string FormatLocation(const SourceLocation& loc) {
  if (loc.line <= 0) return loc.file;
  return absl::StrCat(loc.file.empty() ? "<policy>" : loc.file, ":", loc.line,
                      loc.column > 0 ? absl::StrCat(":", loc.column) : "");
}

std::string Prefix(const SourceLocation& loc) {
  std::string where = FormatLocation(loc);
  return where.empty() ? where : absl::StrCat(where, ": ");
}

std::string Described(absl::string_view what, const SourceLocation& loc) {
  std::string where = FormatLocation(loc);
  return where.empty() ? std::string(what) : absl::StrCat(what, " at ", where);
}

// Collects the errors of one element ("grant 'x'", "deny rule 'y'", "group 'z'").
class ElementErrors {
 public:
  ElementErrors(std::vector<std::string>* out, std::string element, const ElementSources* sources)
      : out_(out), element_(std::move(element)), sources_(sources) {}

  void Field(absl::string_view field, absl::string_view message) {
    const SourceLocation* loc = &sources_->element;
    auto it = sources_->fields.find(std::string(field));
    if (it != sources_->fields.end()) loc = &it->second;
    out_->push_back(absl::StrCat(Prefix(*loc), element_, " field '", field, "': ", message));
  }
  void Element(absl::string_view message) {
    out_->push_back(absl::StrCat(Prefix(sources_->element), element_, ": ", message));
  }
  const std::string& element() const { return element_; }

 private:
  std::vector<std::string>* out_;
  std::string element_;
  const ElementSources* sources_;
};

std::string ElementName(absl::string_view kind, absl::string_view name, size_t index) {
  if (name.empty()) return absl::StrCat(kind, " #", index + 1);
  return absl::StrCat(kind, " '", name, "'");
}

// Checks that `values` are unique and each passes `valid`; sorts them.
void CheckNameList(std::vector<std::string>* values, absl::string_view field,
                   absl::string_view what, const std::function<bool(absl::string_view)>& valid,
                   ElementErrors* err) {
  std::set<std::string> seen;
  for (const std::string& v : *values) {
    if (!valid(v)) {
      err->Field(field, absl::StrCat("'", v, "' is not a valid ", what));
    } else if (!seen.insert(v).second) {
      err->Field(field, absl::StrCat("lists '", v, "' twice"));
    }
  }
  std::sort(values->begin(), values->end());
  values->erase(std::unique(values->begin(), values->end()), values->end());
}

bool IsTagName(absl::string_view tag) { return IsValidIdentifier(tag) && !IsReservedTagName(tag); }

void CheckMetric(const MetricRegistry* registry, absl::string_view metric, absl::string_view field,
                 ElementErrors* err) {
  if (!IsValidIdentifier(metric)) {
    err->Field(field, absl::StrCat("'", metric, "' is not a valid metric name"));
  } else if (registry != nullptr && registry->Find(metric) == nullptr) {
    err->Field(field, absl::StrCat("unknown metric '", metric, "'"));
  }
}

void CheckMetricList(const MetricRegistry* registry, std::vector<std::string>* metrics,
                     absl::string_view field, ElementErrors* err) {
  CheckNameList(metrics, field, "metric name", IsValidIdentifier, err);
  if (registry == nullptr) return;
  for (const std::string& m : *metrics) {
    if (IsValidIdentifier(m) && registry->Find(m) == nullptr) {
      err->Field(field, absl::StrCat("unknown metric '", m, "'"));
    }
  }
}

void CheckAggregates(std::vector<Aggregate>* aggregates, ElementErrors* err) {
  std::set<Aggregate> seen;
  for (Aggregate a : *aggregates) {
    if (!seen.insert(a).second) {
      err->Field("aggregates", absl::StrCat("lists '", AggregateName(a), "' twice"));
    }
  }
  std::sort(aggregates->begin(), aggregates->end());
  aggregates->erase(std::unique(aggregates->begin(), aggregates->end()), aggregates->end());
}

bool FiniteAndPositive(double x) { return std::isfinite(x) && x > 0; }

// Largest epsilon a single query may spend: beyond this the noise protects nothing and the
// figure is better granted as exact.
constexpr double kMaxEpsilon = 100;
// Largest budget per period; keeps micro-epsilon arithmetic far from overflow.
constexpr double kMaxBudget = 1'000'000;

void CheckPrivacy(Grant* g, const MetricRegistry* registry, ElementErrors* err) {
  PrivacySpec& p = *g->privacy;
  if (!FiniteAndPositive(p.epsilon) || p.epsilon > kMaxEpsilon) {
    err->Field("privacy.epsilon", absl::StrCat("must be > 0 and at most ", kMaxEpsilon));
  } else {
    p.epsilon_micros = std::llround(p.epsilon * kMicrosPerEpsilon);
    if (p.epsilon_micros < 1) err->Field("privacy.epsilon", "must be at least 0.000001");
  }
  if (!FiniteAndPositive(p.budget) || p.budget > kMaxBudget) {
    err->Field("privacy.budget", absl::StrCat("must be > 0 and at most ", kMaxBudget));
  } else {
    p.budget_micros = std::llround(p.budget * kMicrosPerEpsilon);
    if (p.epsilon_micros > 0 && p.budget_micros < p.epsilon_micros) {
      err->Field("privacy.budget", "must be at least privacy.epsilon (one query)");
    }
  }
  if (p.period == Granularity::kHour) {
    err->Field("privacy.period", "must be day, week, month, quarter or year");
  }
  for (Aggregate a : g->aggregates) {
    if (a == Aggregate::kMin || a == Aggregate::kMax) {
      err->Field("aggregates",
                 absl::StrCat("'", AggregateName(a),
                              "' cannot be released with differential privacy (a single record "
                              "decides it); remove it or use release = \"exact\""));
    }
  }
  // Metrics that are summed (sum, mean, ratio) need clamping bounds; a clamp for a metric the
  // grant never releases is a typo.
  std::set<std::string> summed;
  std::set<std::string> mentioned(g->metrics.begin(), g->metrics.end());
  bool sums = SortedContains(g->aggregates, Aggregate::kSum) ||
              SortedContains(g->aggregates, Aggregate::kMean);
  if (sums) summed.insert(g->metrics.begin(), g->metrics.end());
  for (const RatioPair& r : g->ratios) {
    summed.insert(r.numerator);
    summed.insert(r.denominator);
    mentioned.insert(r.numerator);
    mentioned.insert(r.denominator);
  }
  for (const std::string& m : summed) {
    if (p.clamps.count(m) == 0) {
      err->Field("privacy.clamp", absl::StrCat("needs bounds for metric '", m, "' (it is summed)"));
    }
  }
  for (auto& [metric, clamp] : p.clamps) {
    std::string field = absl::StrCat("privacy.clamp.", metric);
    if (mentioned.count(metric) == 0) {
      err->Field(field, absl::StrCat("the grant does not release metric '", metric, "'"));
      continue;
    }
    CheckMetric(registry, metric, field, err);
    if (!std::isfinite(clamp.lo) || !std::isfinite(clamp.hi) || !(clamp.lo < clamp.hi)) {
      err->Field(field, "needs finite bounds with lo < hi");
    } else if (!FiniteAndPositive(clamp.resolution)) {
      err->Field(absl::StrCat(field, ".resolution"), "must be > 0");
    } else if (std::max(std::fabs(clamp.lo), std::fabs(clamp.hi)) / clamp.resolution >
               static_cast<double>(kMaxSensitivityQuanta)) {
      err->Field(absl::StrCat(field, ".resolution"),
                 "is too fine for the bounds (max(|lo|, |hi|) / resolution must be at most 2^40)");
    }
  }
}

void CheckFederation(const Grant& g, ElementErrors* err) {
  const FederationSpec& f = *g.federation;
  if (!IsValidPolicyName(f.consortium)) {
    err->Field("federation.consortium",
               "must be 1-64 of [a-z0-9_-], starting with a letter or digit");
  }
  if (f.min_cohort < 2 || f.min_cohort > kMaxMinCohort) {
    err->Field("federation.min_cohort", absl::StrCat("must be 2..", kMaxMinCohort));
  }
  for (Aggregate a : g.aggregates) {
    if (a == Aggregate::kMin || a == Aggregate::kMax) {
      err->Field("aggregates", absl::StrCat("'", AggregateName(a),
                                            "' cannot be answered in a federated round (only "
                                            "sums, counts, means and ratios add up)"));
    }
  }
}

void CheckGrant(Grant* g, const MetricRegistry* registry,
                const std::map<std::string, std::vector<std::string>>& groups, ElementErrors* err) {
  if (g->name.empty()) {
    err->Element("needs a name");
  } else if (!IsValidPolicyName(g->name)) {
    err->Field("name", "must be 1-64 of [a-z0-9_-], starting with a letter or digit");
  }
  if (g->partner.empty() == g->group.empty()) {
    err->Element("needs exactly one of 'partner' or 'group'");
  } else if (!g->partner.empty() && !IsValidPartnerName(g->partner)) {
    err->Field("partner", absl::StrCat("'", g->partner, "' is not a valid partner name"));
  } else if (!g->group.empty() && groups.count(g->group) == 0) {
    err->Field("group", absl::StrCat("unknown partner group '", g->group, "'"));
  }
  if (absl::StripAsciiWhitespace(g->purpose).empty()) {
    err->Field("purpose", "must say why the partner may ask (a non-empty text)");
  }
  CheckMetricList(registry, &g->metrics, "metrics", err);
  CheckAggregates(&g->aggregates, err);
  if (SortedContains(g->aggregates, Aggregate::kRatio)) {
    err->Field("aggregates", "list ratios as metric pairs under 'ratios', not as an aggregate");
  }
  if (g->metrics.empty() != g->aggregates.empty()) {
    err->Element(g->metrics.empty() ? "lists aggregates but no metrics"
                                    : "lists metrics but no aggregates");
  }
  if (g->metrics.empty() && g->ratios.empty()) {
    err->Element("allows nothing: list metrics and aggregates, or ratios");
  }
  std::set<RatioPair> ratios;
  for (const RatioPair& r : g->ratios) {
    CheckMetric(registry, r.numerator, "ratios", err);
    CheckMetric(registry, r.denominator, "ratios", err);
    if (r.numerator == r.denominator) {
      err->Field("ratios", absl::StrCat("'", RatioName(r), "' divides a metric by itself"));
    }
    if (!ratios.insert(r).second) {
      err->Field("ratios", absl::StrCat("lists '", RatioName(r), "' twice"));
    }
  }
  g->ratios.assign(ratios.begin(), ratios.end());
  CheckNameList(&g->filter_tags, "filter_tags", "tag name", IsTagName, err);
  CheckNameList(&g->group_tags, "group_tags", "tag name", IsTagName, err);
  for (auto& [tag, values] : g->scope) {
    std::string field = absl::StrCat("scope.", tag);
    if (!IsTagName(tag)) err->Field(field, absl::StrCat("'", tag, "' is not a valid tag name"));
    if (values.empty()) err->Field(field, "needs at least one value");
    CheckNameList(
        &values, field, "tag value",
        [](absl::string_view v) {
          return !v.empty() && v.size() <= kMaxTagValueBytes && v.find('\0') == v.npos;
        },
        err);
  }
  if (g->min_records < 1) err->Field("min_records", "must be at least 1");
  if (g->min_series < 1) err->Field("min_series", "must be at least 1");
  if (g->release == Release::kProtected && !g->privacy) {
    err->Field("privacy", "release = \"protected\" needs a privacy block");
  }
  if (g->release == Release::kExact && g->privacy) {
    err->Field("privacy",
               "release = \"exact\" releases exact figures: remove the privacy "
               "block or use release = \"protected\"");
  }
  if (g->privacy) CheckPrivacy(g, registry, err);
  if (g->rate_limit) {
    const RateLimit& r = *g->rate_limit;
    if (r.queries < 1 || r.queries > kMaxRateLimitQueries) {
      err->Field("rate_limit.queries", absl::StrCat("must be 1..", kMaxRateLimitQueries));
    }
    if (r.window_micros <= 0) err->Field("rate_limit.per", "must be minute, hour or day");
  }
  if (g->valid_from && g->valid_until && !(*g->valid_from < *g->valid_until)) {
    err->Field("valid_until", "must be after valid_from");
  }
  if (g->federation) CheckFederation(*g, err);
}

void CheckDenyRule(DenyRule* r, const MetricRegistry* registry,
                   const std::map<std::string, std::vector<std::string>>& groups,
                   ElementErrors* err) {
  if (r->name.empty()) {
    err->Element("needs a name");
  } else if (!IsValidPolicyName(r->name)) {
    err->Field("name", "must be 1-64 of [a-z0-9_-], starting with a letter or digit");
  }
  if (absl::StripAsciiWhitespace(r->reason).empty()) {
    err->Field("reason", "must say why (the partner is shown this text)");
  }
  if (!r->partner.empty() && !r->group.empty()) {
    err->Element("names both a partner and a group; use two rules");
  } else if (!r->partner.empty() && !IsValidPartnerName(r->partner)) {
    err->Field("partner", absl::StrCat("'", r->partner, "' is not a valid partner name"));
  } else if (!r->group.empty() && groups.count(r->group) == 0) {
    err->Field("group", absl::StrCat("unknown partner group '", r->group, "'"));
  }
  CheckMetricList(registry, &r->metrics, "metrics", err);
  CheckAggregates(&r->aggregates, err);
  CheckNameList(&r->tags, "tags", "tag name", IsTagName, err);
  if (r->data_from && r->data_to && !(*r->data_from < *r->data_to)) {
    err->Field("data_to", "must be after data_from");
  }
}

}  // namespace

std::string FormatEpsilon(int64_t micros) {
  std::string out = absl::StrCat(micros < 0 ? "-" : "", std::llabs(micros) / kMicrosPerEpsilon);
  int64_t frac = std::llabs(micros) % kMicrosPerEpsilon;
  if (frac != 0) {
    std::string digits = std::to_string(frac + kMicrosPerEpsilon).substr(1);  // 6 digits
    while (digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  return out;
}

absl::string_view ReleaseName(Release r) { return r == Release::kExact ? "exact" : "protected"; }

std::string RatioName(const RatioPair& r) { return absl::StrCat(r.numerator, "/", r.denominator); }

int64_t Clamp::SensitivityQuanta() const {
  double q = std::ceil(std::max(std::fabs(lo), std::fabs(hi)) / resolution);
  return std::max<int64_t>(1, static_cast<int64_t>(q));
}

bool Grant::AllowsMetric(absl::string_view metric) const { return SortedContains(metrics, metric); }
bool Grant::AllowsAggregate(Aggregate a) const { return SortedContains(aggregates, a); }
bool Grant::AllowsFilterTag(absl::string_view tag) const {
  return SortedContains(filter_tags, tag);
}
bool Grant::AllowsGroupTag(absl::string_view tag) const { return SortedContains(group_tags, tag); }
bool Grant::AllowsRatio(absl::string_view numerator, absl::string_view denominator) const {
  for (const RatioPair& r : ratios) {
    if (r.numerator == numerator && r.denominator == denominator) return true;
  }
  return false;
}

bool IsValidPolicyName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(name[0])) return false;
  for (char c : name) {
    if (!lower_or_digit(c) && c != '_' && c != '-') return false;
  }
  return true;
}

const Grant* Policy::FindGrant(absl::string_view name) const {
  auto it = std::lower_bound(grants_.begin(), grants_.end(), name,
                             [](const Grant& g, absl::string_view n) { return g.name < n; });
  return it != grants_.end() && it->name == name ? &*it : nullptr;
}

bool Policy::IsMember(absl::string_view group, absl::string_view partner) const {
  auto it = groups_.find(std::string(group));
  return it != groups_.end() && SortedContains(it->second, partner);
}

absl::Span<const uint32_t> Policy::GrantIndicesFor(absl::string_view partner) const {
  auto it = grants_by_partner_.find(partner);
  if (it == grants_by_partner_.end()) return {};
  return it->second;
}

absl::Span<const uint32_t> Policy::DenyRuleIndicesFor(absl::string_view partner) const {
  auto it = deny_by_partner_.find(partner);
  if (it == deny_by_partner_.end()) return deny_for_everyone_;
  return it->second;
}

PolicyBuilder& PolicyBuilder::AddGroup(std::string name, std::vector<std::string> members,
                                       ElementSources sources) {
  groups_.push_back({std::move(name), std::move(members), std::move(sources)});
  return *this;
}

PolicyBuilder& PolicyBuilder::AddGrant(Grant grant, ElementSources sources) {
  grants_.push_back({std::move(grant), std::move(sources)});
  return *this;
}

PolicyBuilder& PolicyBuilder::AddDenyRule(DenyRule rule, ElementSources sources) {
  rules_.push_back({std::move(rule), std::move(sources)});
  return *this;
}

PolicyBuilder& PolicyBuilder::AddError(std::string message) {
  errors_.push_back(std::move(message));
  return *this;
}

absl::StatusOr<Policy> PolicyBuilder::Build() && {
  std::vector<std::string>& errors = errors_;
  Policy policy;

  // Groups first: grants and rules refer to them.
  for (size_t i = 0; i < groups_.size(); ++i) {
    PendingGroup& pg = groups_[i];
    ElementErrors err(&errors, ElementName("group", pg.name, i), &pg.sources);
    if (!IsValidPolicyName(pg.name)) {
      err.Element("a group name must be 1-64 of [a-z0-9_-], starting with a letter or digit");
    }
    if (pg.members.empty()) err.Element("has no members");
    CheckNameList(&pg.members, "members", "partner name", IsValidPartnerName, &err);
    if (!policy.groups_.emplace(pg.name, pg.members).second) err.Element("is defined twice");
  }

  // Every grant and rule name is unique across both kinds, so a name in an explanation or
  // the audit log means one thing.
  std::map<std::string, std::string> names;  // name -> what defined it first
  auto claim_name = [&](const std::string& name, std::string what, ElementErrors* err) {
    if (name.empty()) return;
    auto [it, inserted] = names.emplace(name, std::move(what));
    if (!inserted) err->Element(absl::StrCat("the name is already used by ", it->second));
  };

  for (size_t i = 0; i < grants_.size(); ++i) {
    PendingGrant& pg = grants_[i];
    ElementErrors err(&errors, ElementName("grant", pg.grant.name, i), &pg.sources);
    CheckGrant(&pg.grant, registry_, policy.groups_, &err);
    claim_name(pg.grant.name,
               Described(absl::StrCat("grant '", pg.grant.name, "'"), pg.sources.element), &err);
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    PendingRule& pr = rules_[i];
    ElementErrors err(&errors, ElementName("deny rule", pr.rule.name, i), &pr.sources);
    CheckDenyRule(&pr.rule, registry_, policy.groups_, &err);
    claim_name(pr.rule.name,
               Described(absl::StrCat("deny rule '", pr.rule.name, "'"), pr.sources.element), &err);
  }

  if (!errors.empty()) {
    std::vector<std::string> shown(errors.begin(),
                                   errors.begin() + std::min(errors.size(), kMaxReportedErrors));
    if (errors.size() > kMaxReportedErrors) {
      shown.push_back(absl::StrCat("... and ", errors.size() - kMaxReportedErrors, " more errors"));
    }
    return absl::InvalidArgumentError(absl::StrJoin(shown, "\n"));
  }

  for (PendingGrant& pg : grants_) policy.grants_.push_back(std::move(pg.grant));
  for (PendingRule& pr : rules_) policy.deny_rules_.push_back(std::move(pr.rule));
  std::sort(policy.grants_.begin(), policy.grants_.end(),
            [](const Grant& a, const Grant& b) { return a.name < b.name; });
  std::sort(policy.deny_rules_.begin(), policy.deny_rules_.end(),
            [](const DenyRule& a, const DenyRule& b) { return a.name < b.name; });

  // Index by partner. Indices are pushed in ascending order, so each list is sorted by name.
  auto members_of = [&](const std::string& partner,
                        const std::string& group) -> std::vector<std::string> {
    if (!partner.empty()) return {partner};
    return policy.groups_.at(group);
  };
  for (uint32_t i = 0; i < policy.grants_.size(); ++i) {
    const Grant& g = policy.grants_[i];
    for (const std::string& p : members_of(g.partner, g.group)) {
      policy.grants_by_partner_[p].push_back(i);
    }
  }
  for (uint32_t i = 0; i < policy.deny_rules_.size(); ++i) {
    const DenyRule& r = policy.deny_rules_[i];
    if (r.partner.empty() && r.group.empty()) {
      policy.deny_for_everyone_.push_back(i);
      continue;
    }
    for (const std::string& p : members_of(r.partner, r.group)) {
      policy.deny_by_partner_[p].push_back(i);
    }
  }
  for (auto& [partner, rules] : policy.deny_by_partner_) {
    rules.insert(rules.end(), policy.deny_for_everyone_.begin(), policy.deny_for_everyone_.end());
    std::sort(rules.begin(), rules.end());
  }
  return policy;
}

}  // namespace cairn
