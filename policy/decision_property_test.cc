// Property test of Decide() over random policies and queries:
//   1. it agrees with a small reference model written straight from the semantics (a linear
//      scan over plain sets, no index);
//   2. the order of groups, members, grants and deny rules never changes a decision;
//   3. a deny rule wins over any allow: adding a rule that matches an allowed query denies it,
//      wherever the rule is placed.
// The seed is logged; CAIRN_TEST_SEED replays another.
#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "policy/decision.h"
#include "policy/policy.h"
#include "policy/seeded_random.h"

namespace cairn {
namespace {

// ---------------------------------------------------------------------------------------------
// The reference model. Deliberately naive: sets, loops, and the rules as the header states them.

struct RefPolicy {
  std::map<std::string, std::set<std::string>> groups;
  std::vector<Grant> grants;
  std::vector<DenyRule> rules;
};

struct RefDecision {
  bool allowed = false;
  std::string grant;      // the allowing grant
  std::string deny_rule;  // the matching deny rule, if any
};

bool Binds(const RefPolicy& p, const std::string& partner, const std::string& group,
           const std::string& who) {
  if (!partner.empty()) return partner == who;
  if (!group.empty()) return p.groups.at(group).count(who) > 0;
  return true;  // a deny rule naming nobody applies to everyone
}

bool In(const std::vector<std::string>& list, const std::string& x) {
  return std::set<std::string>(list.begin(), list.end()).count(x) > 0;
}

bool Aligned(Timestamp t, Granularity g) {
  return t == kMinTimestamp || t == kMaxTimestamp || BucketFloor(t, g) == t;
}

bool RefAdmits(const Grant& g, const Query& q, Timestamp now) {
  if (g.valid_from && now < *g.valid_from) return false;
  if (g.valid_until && now >= *g.valid_until) return false;
  if (q.aggregate == Aggregate::kRatio) {
    std::set<std::pair<std::string, std::string>> pairs;
    for (const RatioPair& r : g.ratios) pairs.insert({r.numerator, r.denominator});
    if (pairs.count({q.metric, q.ratio_denominator}) == 0) return false;
  } else {
    if (!q.ratio_denominator.empty()) return false;
    if (!In(g.metrics, q.metric)) return false;
    std::set<Aggregate> aggs(g.aggregates.begin(), g.aggregates.end());
    if (aggs.count(q.aggregate) == 0) return false;
  }
  for (const TagFilter& f : q.filters) {
    if (!In(g.filter_tags, f.tag) && g.scope.count(f.tag) == 0) return false;
  }
  for (const auto& [tag, values] : g.scope) {
    bool ok = false;
    for (const TagFilter& f : q.filters) {
      if (f.tag != tag) continue;
      bool subset = true;
      for (const std::string& v : f.values) subset = subset && In(values, v);
      ok = ok || subset;
    }
    if (!ok) return false;
  }
  for (const std::string& t : q.group_tags) {
    if (!In(g.group_tags, t)) return false;
  }
  if (q.time_group && !IsCoarserOrEqual(*q.time_group, g.finest)) return false;
  return Aligned(q.from, g.finest) && Aligned(q.to, g.finest);
}

bool RefMatches(const DenyRule& r, const Query& q) {
  bool metric = r.metrics.empty() || In(r.metrics, q.metric) ||
                (q.aggregate == Aggregate::kRatio && In(r.metrics, q.ratio_denominator));
  bool aggregate = r.aggregates.empty() || std::find(r.aggregates.begin(), r.aggregates.end(),
                                                     q.aggregate) != r.aggregates.end();
  bool tags = r.tags.empty();
  for (const std::string& t : q.group_tags) tags = tags || In(r.tags, t);
  for (const TagFilter& f : q.filters) tags = tags || In(r.tags, f.tag);
  // [q.from, q.to) overlaps [data_from, data_to)
  bool period = (!r.data_from || q.to > *r.data_from) && (!r.data_to || q.from < *r.data_to);
  return metric && aggregate && tags && period;
}

RefDecision Reference(const RefPolicy& p, const std::string& partner, const Query& q,
                      Timestamp now) {
  RefDecision d;
  std::set<std::string> matching_rules, admitting_grants;
  for (const DenyRule& r : p.rules) {
    if (Binds(p, r.partner, r.group, partner) && RefMatches(r, q)) matching_rules.insert(r.name);
  }
  for (const Grant& g : p.grants) {
    if (Binds(p, g.partner, g.group, partner) && RefAdmits(g, q, now)) {
      admitting_grants.insert(g.name);
    }
  }
  if (!matching_rules.empty()) {
    d.deny_rule = *matching_rules.begin();
  } else if (!admitting_grants.empty()) {
    d.allowed = true;
    d.grant = *admitting_grants.begin();
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// Random policies and queries over a small universe, so that hits and misses are both common.

const std::vector<std::string> kPartners = {"p0", "p1", "p2", "p3", "p4"};
const std::vector<std::string> kMetrics = {"m0", "m1", "m2", "m3"};
const std::vector<std::string> kTags = {"t0", "t1", "t2"};
const std::vector<std::string> kValues = {"a", "b", "c"};
const std::vector<Aggregate> kAggregates = {Aggregate::kSum, Aggregate::kCount, Aggregate::kMean,
                                            Aggregate::kMin, Aggregate::kMax};
const std::vector<Granularity> kGranularities = {Granularity::kHour,    Granularity::kDay,
                                                 Granularity::kWeek,    Granularity::kMonth,
                                                 Granularity::kQuarter, Granularity::kYear};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  bool Coin(double p = 0.5) { return std::bernoulli_distribution(p)(rng_); }
  size_t Index(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Index(v.size())];
  }
  template <typename T>
  std::vector<T> Subset(const std::vector<T>& v, double p) {
    std::vector<T> out;
    for (const T& x : v) {
      if (Coin(p)) out.push_back(x);
    }
    return out;
  }
  std::mt19937_64& rng() { return rng_; }

  // Times: year, quarter, month and day boundaries, and an hour inside a day.
  Timestamp Time() {
    static const std::vector<const char*> kTimes = {"2025-01-01T00:00:00Z", "2025-07-01T00:00:00Z",
                                                    "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z",
                                                    "2026-02-02T00:00:00Z", "2026-02-02T05:00:00Z",
                                                    "2026-04-01T00:00:00Z", "2027-01-01T00:00:00Z"};
    return ParseTimestamp(Pick(kTimes)).value();
  }
  std::optional<Timestamp> MaybeTime() {
    return Coin(0.3) ? std::optional<Timestamp>(Time()) : std::nullopt;
  }

  RefPolicy RandomPolicy() {
    RefPolicy p;
    for (const char* g : {"g0", "g1"}) {
      std::vector<std::string> members = Subset(kPartners, 0.4);
      if (members.empty()) members.push_back(Pick(kPartners));
      p.groups[g] = {members.begin(), members.end()};
    }
    size_t grants = Index(7);
    for (size_t i = 0; i < grants; ++i) p.grants.push_back(RandomGrant(absl::StrCat("grant", i)));
    size_t rules = Index(4);
    for (size_t i = 0; i < rules; ++i) p.rules.push_back(RandomRule(absl::StrCat("rule", i)));
    return p;
  }

  Grant RandomGrant(std::string name) {
    Grant g;
    g.name = std::move(name);
    if (Coin()) {
      g.partner = Pick(kPartners);
    } else {
      g.group = Coin() ? "g0" : "g1";
    }
    g.purpose = "testing";
    g.metrics = Subset(kMetrics, 0.5);
    if (!g.metrics.empty()) {
      g.aggregates = Subset(kAggregates, 0.5);
      if (g.aggregates.empty()) g.aggregates.push_back(Pick(kAggregates));
    }
    for (const std::string& a : kMetrics) {
      for (const std::string& b : kMetrics) {
        if (a != b && Coin(0.1)) g.ratios.push_back({a, b});
      }
    }
    if (g.metrics.empty() && g.ratios.empty()) {
      g.metrics = {Pick(kMetrics)};
      g.aggregates = {Pick(kAggregates)};
    }
    g.filter_tags = Subset(kTags, 0.4);
    g.group_tags = Subset(kTags, 0.4);
    if (Coin(0.2)) {
      std::vector<std::string> values = Subset(kValues, 0.5);
      if (values.empty()) values.push_back(Pick(kValues));
      g.scope[Pick(kTags)] = values;
    }
    g.finest = Pick(kGranularities);
    g.valid_from = MaybeTime();
    g.valid_until = MaybeTime();
    if (g.valid_from && g.valid_until && *g.valid_from >= *g.valid_until) g.valid_until.reset();
    return g;
  }

  DenyRule RandomRule(std::string name) {
    DenyRule r;
    r.name = std::move(name);
    r.reason = "testing";
    double who = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (who < 0.4) {
      r.partner = Pick(kPartners);
    } else if (who < 0.6) {
      r.group = Coin() ? "g0" : "g1";
    }
    r.metrics = Subset(kMetrics, 0.3);
    r.aggregates = Subset(kAggregates, 0.2);
    r.tags = Subset(kTags, 0.2);
    r.data_from = MaybeTime();
    r.data_to = MaybeTime();
    if (r.data_from && r.data_to && *r.data_from >= *r.data_to) r.data_to.reset();
    return r;
  }

  Query RandomQuery() {
    Query q;
    q.metric = Pick(kMetrics);
    if (Coin(0.2)) {
      q.aggregate = Aggregate::kRatio;
      q.ratio_denominator = Pick(kMetrics);
    } else {
      q.aggregate = Pick(kAggregates);
    }
    q.from = Coin(0.2) ? kMinTimestamp : Time();
    q.to = Coin(0.2) ? kMaxTimestamp : Time();
    if (q.from >= q.to) std::swap(q.from, q.to);
    if (q.from == q.to) q.to = kMaxTimestamp;
    if (Coin(0.5)) q.time_group = Pick(kGranularities);
    q.group_tags = Subset(kTags, 0.2);
    for (const std::string& t : Subset(kTags, 0.3)) {
      std::vector<std::string> values = Subset(kValues, 0.5);
      if (values.empty()) values.push_back(Pick(kValues));
      q.filters.push_back({t, values});
    }
    return q;
  }

  // A query shaped after a random grant of `p`, asked by a partner it binds, then (half the
  // time) changed in one respect: near misses are where a wrong decision would hide.
  std::pair<std::string, Query> NearQuery(const RefPolicy& p) {
    Query q = RandomQuery();
    if (p.grants.empty()) return {Pick(kPartners), q};
    const Grant& g = Pick(p.grants);
    std::string partner = g.partner.empty() ? *std::next(p.groups.at(g.group).begin(),
                                                         Index(p.groups.at(g.group).size()))
                                            : g.partner;
    q.ratio_denominator.clear();
    if (!g.metrics.empty() && (g.ratios.empty() || Coin())) {
      q.metric = Pick(g.metrics);
      q.aggregate = Pick(g.aggregates);
    } else {
      const RatioPair& r = Pick(g.ratios);
      q.metric = r.numerator;
      q.aggregate = Aggregate::kRatio;
      q.ratio_denominator = r.denominator;
    }
    q.filters.clear();
    for (const std::string& t : Subset(g.filter_tags, 0.5)) q.filters.push_back({t, {"a"}});
    for (const auto& [tag, values] : g.scope) q.filters.push_back({tag, {Pick(values)}});
    q.group_tags = Subset(g.group_tags, 0.5);
    q.time_group.reset();
    if (Coin()) {
      for (Granularity c : kGranularities) {
        if (IsCoarserOrEqual(c, g.finest) && Coin()) q.time_group = c;
      }
    }
    q.from = BucketFloor(q.from, g.finest);
    q.to = q.to == kMaxTimestamp ? q.to : BucketNext(BucketFloor(q.to, g.finest), g.finest);
    if (Coin()) Mutate(&q);
    return {partner, q};
  }

  // Changes one respect of `q` at random.
  void Mutate(Query* q) {
    Query other = RandomQuery();
    switch (Index(7)) {
      case 0:
        q->metric = other.metric;
        break;
      case 1:
        q->aggregate = other.aggregate;
        q->ratio_denominator = other.ratio_denominator;
        break;
      case 2:
        q->filters.push_back({Pick(kTags), {Pick(kValues)}});
        break;
      case 3:
        q->group_tags.push_back(Pick(kTags));
        std::sort(q->group_tags.begin(), q->group_tags.end());
        q->group_tags.erase(std::unique(q->group_tags.begin(), q->group_tags.end()),
                            q->group_tags.end());
        break;
      case 4:
        q->time_group = other.time_group;
        break;
      case 5:
        q->from = std::min(other.from, q->to - 1);
        break;
      case 6:
        q->to = std::max(other.to, q->from + 1);
        break;
    }
  }

 private:
  std::mt19937_64 rng_;
};

// Builds `p` with groups, members, grants and rules added in a random order.
Policy Build(RefPolicy p, std::mt19937_64* shuffle) {
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const auto& [name, members] : p.groups) {
    groups.push_back({name, {members.begin(), members.end()}});
  }
  if (shuffle != nullptr) {
    std::shuffle(groups.begin(), groups.end(), *shuffle);
    for (auto& g : groups) std::shuffle(g.second.begin(), g.second.end(), *shuffle);
    std::shuffle(p.grants.begin(), p.grants.end(), *shuffle);
    std::shuffle(p.rules.begin(), p.rules.end(), *shuffle);
  }
  PolicyBuilder builder;
  for (auto& [name, members] : groups) builder.AddGroup(name, members);
  for (Grant& g : p.grants) builder.AddGrant(g);
  for (DenyRule& r : p.rules) builder.AddDenyRule(r);
  absl::StatusOr<Policy> built = std::move(builder).Build();
  EXPECT_TRUE(built.ok()) << built.status();
  return built.ok() ? *std::move(built) : Policy();
}

std::string Describe(const Decision& d) {
  return absl::StrCat(d.allowed ? "allowed by " : "denied", d.grant ? d.grant->name : "",
                      d.deny_rule ? absl::StrCat(" by rule ", d.deny_rule->name) : "", ": ",
                      d.reason);
}

class DecisionPropertyTest : public ::testing::Test {
 protected:
  static constexpr int kPolicies = 300;
  static constexpr int kQueriesPerPolicy = 100;
  Generator gen_{TestSeed(4242)};
};

TEST_F(DecisionPropertyTest, AgreesWithTheReferenceModel) {
  int allowed = 0, denied_by_rule = 0;
  for (int i = 0; i < kPolicies; ++i) {
    RefPolicy ref = gen_.RandomPolicy();
    Policy policy = Build(ref, nullptr);
    for (int j = 0; j < kQueriesPerPolicy; ++j) {
      auto [partner, q] = gen_.NearQuery(ref);
      if (gen_.Coin(0.3)) q = gen_.RandomQuery();
      if (gen_.Coin(0.1)) partner = gen_.Coin() ? gen_.Pick(kPartners) : "outsider";
      Timestamp now = gen_.Time();
      RefDecision want = Reference(ref, partner, q, now);
      Decision got = Decide(policy, partner, q, now);
      ASSERT_EQ(got.allowed, want.allowed) << "policy " << i << " query " << DescribeQuery(q)
                                           << " by " << partner << ": " << Describe(got);
      ASSERT_EQ(got.grant ? got.grant->name : "", want.grant) << DescribeQuery(q);
      ASSERT_EQ(got.deny_rule ? got.deny_rule->name : "", want.deny_rule) << DescribeQuery(q);
      allowed += got.allowed;
      denied_by_rule += got.deny_rule != nullptr;
    }
  }
  std::fprintf(stderr, "%d allowed, %d denied by a deny rule, of %d\n", allowed, denied_by_rule,
               kPolicies * kQueriesPerPolicy);
  // The generator must exercise every outcome, or the agreement above proves little.
  EXPECT_GT(allowed, kPolicies * kQueriesPerPolicy / 10);
  EXPECT_GT(denied_by_rule, kPolicies * kQueriesPerPolicy / 50);
}

TEST_F(DecisionPropertyTest, TheOrderOfRulesNeverChangesADecision) {
  for (int i = 0; i < kPolicies; ++i) {
    RefPolicy ref = gen_.RandomPolicy();
    Policy in_order = Build(ref, nullptr);
    Policy shuffled = Build(ref, &gen_.rng());
    for (int j = 0; j < kQueriesPerPolicy; ++j) {
      auto [partner, q] = gen_.NearQuery(ref);
      Timestamp now = gen_.Time();
      // Same outcome, same grant or rule, and the partner is told the same thing.
      ASSERT_EQ(Describe(Decide(in_order, partner, q, now)),
                Describe(Decide(shuffled, partner, q, now)))
          << DescribeQuery(q);
    }
  }
}

TEST_F(DecisionPropertyTest, ADenyRuleWinsOverAnyAllow) {
  int checked = 0;
  for (int i = 0; i < kPolicies; ++i) {
    RefPolicy ref = gen_.RandomPolicy();
    Policy policy = Build(ref, nullptr);
    for (int j = 0; j < kQueriesPerPolicy; ++j) {
      auto [partner, q] = gen_.NearQuery(ref);
      Timestamp now = gen_.Time();
      if (!Decide(policy, partner, q, now).allowed) continue;
      // A rule matching exactly this query's metric, for this partner or for everyone,
      // inserted anywhere among the existing rules.
      RefPolicy with_rule = ref;
      DenyRule r;
      r.name = absl::StrCat("zz-deny", j);
      r.reason = "testing";
      r.metrics = {q.metric};
      if (gen_.Coin()) r.partner = partner;
      with_rule.rules.insert(with_rule.rules.begin() + gen_.Index(with_rule.rules.size() + 1), r);
      Decision d = Decide(Build(with_rule, &gen_.rng()), partner, q, now);
      ASSERT_FALSE(d.allowed) << DescribeQuery(q);
      ASSERT_EQ(d.denied_by, Check::kDenyRule);
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace cairn
