// The owner's policy: who may ask what. Deny by default.
//
// A Policy is a set of partner groups, grants and deny rules. A grant binds one partner or one
// named partner group to the metrics, ratios and aggregates it may ask for, the tags it may
// filter and group by, the finest time bucket it may see, the minimum group sizes that are
// released, an optional differential-privacy block, a rate limit, a validity window and a
// purpose. A deny rule names a shape of query (who, which metrics, aggregates, tags, data
// period) that is refused whatever the grants say.
//
// Policies are built only by PolicyBuilder::Build(), which validates the whole policy and
// returns either a complete Policy or every error found: nothing is half-applied. The built
// Policy holds grants and rules sorted by name and an index by partner, so that the order in
// which they were written never matters. A Policy is an immutable value after Build():
// any number of threads may read one concurrently.
#ifndef CAIRN_POLICY_POLICY_H_
#define CAIRN_POLICY_POLICY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "base/time.h"
#include "model/metric_registry.h"
#include "model/query.h"

namespace cairn {

// Epsilon and budgets are counted in millionths, so that spending 0.1 ten times uses up a
// budget of 1.0 exactly. kMicrosPerEpsilon units make one epsilon.
inline constexpr int64_t kMicrosPerEpsilon = 1'000'000;

// Renders a count of millionths as a decimal without trailing zeros ("0.25", "3").
std::string FormatEpsilon(int64_t micros);

// What a grant releases.
enum class Release {
  kExact,      // exact, attested figures (a contract); no privacy block
  kProtected,  // only differentially private statistics; a privacy block is required
};
absl::string_view ReleaseName(Release r);  // "exact", "protected"

struct RatioPair {
  std::string numerator;
  std::string denominator;
  friend bool operator==(const RatioPair& a, const RatioPair& b) {
    return a.numerator == b.numerator && a.denominator == b.denominator;
  }
  friend bool operator<(const RatioPair& a, const RatioPair& b) {
    return a.numerator != b.numerator ? a.numerator < b.numerator : a.denominator < b.denominator;
  }
};
std::string RatioName(const RatioPair& r);  // "co2e_scope1/units_produced"

// Clamping bounds for one metric under differential privacy. The engine clamps every record
// into [lo, hi] before summing, so one record moves a sum by at most max(|lo|, |hi|). Sums are
// quantised to multiples of `resolution` (in the metric's canonical unit) so that the noise
// is an integer number of quanta.
struct Clamp {
  double lo = 0;
  double hi = 0;
  double resolution = 1;

  // ceil(max(|lo|, |hi|) / resolution): a sum's sensitivity in quanta. Valid after Build().
  int64_t SensitivityQuanta() const;
};

// Upper bound on SensitivityQuanta(), so that noise scales stay within 64-bit integers.
inline constexpr int64_t kMaxSensitivityQuanta = int64_t{1} << 40;

struct PrivacySpec {
  double epsilon = 0;                        // spent by every query
  double budget = 0;                         // total epsilon per partner, grant and period
  Granularity period = Granularity::kMonth;  // day, week, month, quarter or year (UTC)
  std::map<std::string, Clamp> clamps;       // per metric; every summed metric needs one

  // Derived by Build(): epsilon and budget in millionths (rounded to nearest).
  int64_t epsilon_micros = 0;
  int64_t budget_micros = 0;
};

// A sliding-window limit: at most `queries` admitted queries in any window of this length.
struct RateLimit {
  int64_t queries = 0;
  Timestamp window_micros = 0;
  std::string window_name;  // "minute", "hour" or "day"
};

// A grant for federated rounds (federation/): it answers only rounds of this consortium, whose
// final cohort has at least `min_cohort` members, and whose groups are released only with at
// least `min_cohort` contributors each. A grant with this block is never used for a partner's
// own (bilateral) query; a grant without it never answers a federated round.
struct FederationSpec {
  std::string consortium;   // the roster's consortium name; same form as a grant name
  uint64_t min_cohort = 0;  // 2..kMaxMinCohort
};

// Largest FederationSpec::min_cohort: the largest cohort a round may have (crypto/pairwise_mask.h).
inline constexpr uint64_t kMaxMinCohort = 1000;

// Upper bound on RateLimit::queries: the limiter remembers one timestamp per admitted query
// in the window, so this bounds its memory per partner and grant.
inline constexpr int64_t kMaxRateLimitQueries = 100'000;

struct Grant {
  std::string name;     // unique; [a-z0-9][a-z0-9_-]*, at most 64 bytes
  std::string partner;  // exactly one of partner / group is set
  std::string group;
  std::string purpose;  // why the partner may ask; non-empty
  Release release = Release::kExact;

  std::vector<std::string> metrics;      // sorted, unique
  std::vector<Aggregate> aggregates;     // sorted, unique; never kRatio
  std::vector<RatioPair> ratios;         // sorted, unique
  std::vector<std::string> filter_tags;  // sorted, unique
  std::vector<std::string> group_tags;   // sorted, unique
  // Tags the query must filter on, each to a subset of the listed values (e.g. a customer
  // sees only its own product). Values sorted, unique.
  std::map<std::string, std::vector<std::string>> scope;
  Granularity finest = Granularity::kYear;  // finest time bucket the partner may see
  uint64_t min_records = 1;                 // per released group
  uint64_t min_series = 1;                  // per released group
  std::optional<PrivacySpec> privacy;       // required iff release == kProtected
  std::optional<RateLimit> rate_limit;
  std::optional<Timestamp> valid_from;       // inclusive
  std::optional<Timestamp> valid_until;      // exclusive
  std::optional<FederationSpec> federation;  // set: federated rounds only (see FederationSpec)

  bool AllowsMetric(absl::string_view metric) const;
  bool AllowsAggregate(Aggregate a) const;
  bool AllowsRatio(absl::string_view numerator, absl::string_view denominator) const;
  bool AllowsFilterTag(absl::string_view tag) const;
  bool AllowsGroupTag(absl::string_view tag) const;
  // True for exact grants with minimum group sizes: subtracting their answers could get below
  // the minimum, so the differencing guard applies (privacy grants pay with budget instead).
  bool NeedsDifferencingGuard() const { return !privacy && (min_records > 1 || min_series > 1); }
};

struct DenyRule {
  std::string name;    // unique; same form as a grant name
  std::string reason;  // shown to the partner; non-empty
  // Who: at most one of partner / group; neither means every partner.
  std::string partner;
  std::string group;
  // What: every condition that is set must hold for the rule to match; an empty list or an
  // absent bound is "any". A query uses a metric if it is its metric or ratio denominator;
  // it uses a tag if it filters or groups by it; its data period is [from, to).
  std::vector<std::string> metrics;    // sorted, unique
  std::vector<Aggregate> aggregates;   // sorted, unique
  std::vector<std::string> tags;       // sorted, unique
  std::optional<Timestamp> data_from;  // matches queries whose range overlaps
  std::optional<Timestamp> data_to;    // [data_from, data_to)
};

// Where a policy element came from, for error messages. line/column are 1-based; 0 = unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// Locations of an element and of its fields ("privacy.epsilon", "metrics", ...).
struct ElementSources {
  SourceLocation element;
  std::map<std::string, SourceLocation> fields;
};

class Policy {
 public:
  // An empty policy: every query is denied.
  Policy() = default;

  const std::vector<Grant>& grants() const { return grants_; }             // sorted by name
  const std::vector<DenyRule>& deny_rules() const { return deny_rules_; }  // sorted by name
  // Group name -> members (sorted, unique).
  const std::map<std::string, std::vector<std::string>>& groups() const { return groups_; }

  // nullptr if there is no grant of that name.
  const Grant* FindGrant(absl::string_view name) const;
  bool IsMember(absl::string_view group, absl::string_view partner) const;

  // The grants that bind `partner`, directly or through a group, sorted by name.
  absl::Span<const uint32_t> GrantIndicesFor(absl::string_view partner) const;
  // The deny rules that apply to `partner` (its own, its groups', and everyone's), by name.
  absl::Span<const uint32_t> DenyRuleIndicesFor(absl::string_view partner) const;

 private:
  friend class PolicyBuilder;

  std::vector<Grant> grants_;
  std::vector<DenyRule> deny_rules_;
  std::map<std::string, std::vector<std::string>> groups_;
  // partner -> indices into grants_ / deny_rules_, ascending (so by name).
  absl::flat_hash_map<std::string, std::vector<uint32_t>> grants_by_partner_;
  absl::flat_hash_map<std::string, std::vector<uint32_t>> deny_by_partner_;
  std::vector<uint32_t> deny_for_everyone_;  // rules without partner or group
};

// Collects groups, grants and deny rules and validates them all at once.
//
//   PolicyBuilder builder(&registry);
//   builder.AddGroup("consortium", {"acme", "beta"});
//   builder.AddGrant(grant);
//   CAIRN_ASSIGN_OR_RETURN(Policy policy, std::move(builder).Build());
class PolicyBuilder {
 public:
  // With a registry, every metric a grant or rule names must be registered (a typo must not
  // silently narrow or widen a grant). Without one, metric names are only checked for form.
  explicit PolicyBuilder(const MetricRegistry* registry = nullptr) : registry_(registry) {}

  PolicyBuilder& AddGroup(std::string name, std::vector<std::string> members,
                          ElementSources sources = {});
  PolicyBuilder& AddGrant(Grant grant, ElementSources sources = {});
  PolicyBuilder& AddDenyRule(DenyRule rule, ElementSources sources = {});
  // Records an error found before building (e.g. by a file parser); Build() will fail.
  PolicyBuilder& AddError(std::string message);

  // The policy, or InvalidArgument listing every error, one per line, each of the form
  // "file:line:col: grant 'name' field 'privacy.epsilon': must be > 0" (the location is
  // omitted when unknown). At most kMaxReportedErrors are listed.
  absl::StatusOr<Policy> Build() &&;

  static constexpr size_t kMaxReportedErrors = 50;

 private:
  struct PendingGroup {
    std::string name;
    std::vector<std::string> members;
    ElementSources sources;
  };
  struct PendingGrant {
    Grant grant;
    ElementSources sources;
  };
  struct PendingRule {
    DenyRule rule;
    ElementSources sources;
  };

  const MetricRegistry* registry_;
  std::vector<PendingGroup> groups_;
  std::vector<PendingGrant> grants_;
  std::vector<PendingRule> rules_;
  std::vector<std::string> errors_;
};

// Names of grants, rules and partners.
bool IsValidPolicyName(absl::string_view name);  // [a-z0-9][a-z0-9_-]{0,63}

}  // namespace cairn

#endif  // CAIRN_POLICY_POLICY_H_
