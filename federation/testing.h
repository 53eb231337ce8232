// Test helpers for federation/: fake member data, and a consortium of members with fixed keys,
// a fixed clock and policies with a federation grant, wired over an in-memory transport.
// For tests and the bench only. Thread-compatible.
#ifndef CAIRN_FEDERATION_TESTING_H_
#define CAIRN_FEDERATION_TESTING_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "crypto/identity.h"
#include "crypto/secret.h"
#include "federation/in_memory_transport.h"
#include "federation/local_figures.h"
#include "federation/member.h"
#include "federation/requester.h"
#include "federation/roster.h"
#include "federation/steward.h"
#include "policy/discrete_laplace.h"
#include "policy/policy.h"

namespace cairn {
namespace federation_testing {

inline Timestamp T(const char* text) { return ParseTimeArg(text).value(); }

// The identity whose seed is (n, n+1, ..., n+31): the same keys on every run.
inline Identity FixedIdentity(uint8_t n) {
  SecretArray<kSeedBytes> seed;
  for (size_t i = 0; i < kSeedBytes; ++i) seed.data()[i] = static_cast<uint8_t>(n + i);
  return Identity::FromSeed(seed);
}

// A deterministic RandomSource (splitmix64) for noise in tests; never for production.
class TestRandom final : public RandomSource {
 public:
  explicit TestRandom(uint64_t seed) : state_(seed) {}
  uint64_t Next64() override {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// One member's records as a round groups them: per metric and group (bucket, tag values), the
// values of its records. The LocalQuery ignores the part's range and filters (the data is
// already the round's) and clamps each record when asked, as the engine does.
class FakeData {
 public:
  using Key = std::pair<std::optional<Timestamp>, std::vector<std::string>>;

  FakeData& Add(const std::string& metric, std::optional<Timestamp> bucket,
                std::vector<std::string> tags, double value) {
    records_[metric][Key{bucket, std::move(tags)}].push_back(value);
    return *this;
  }
  void Clear() { records_.clear(); }

  // The LocalQuery over this data; `this` must outlive it.
  LocalQuery AsLocalQuery() const {
    return [this](const Query& part, std::optional<ClampRange> clamp) {
      QueryResult result;
      result.time_group = part.time_group;
      result.group_tags = part.group_tags;
      auto it = records_.find(part.metric);
      if (it == records_.end()) return absl::StatusOr<QueryResult>(result);
      for (const auto& [key, values] : it->second) {
        ResultRow row;
        row.bucket = key.first;
        row.tags = key.second;
        double sum = 0;
        for (double v : values) sum += clamp ? std::clamp(v, clamp->lo, clamp->hi) : v;
        row.value = sum;
        row.records = values.size();
        row.series = 1;
        result.rows.push_back(std::move(row));
      }
      return absl::StatusOr<QueryResult>(result);
    };
  }

 private:
  std::map<std::string, std::map<Key, std::vector<double>>> records_;
};

struct Participant {
  std::string name;
  Identity identity;
  FakeData data{};
  std::unique_ptr<TestRandom> noise{};
  std::unique_ptr<PolicySteward> steward{};
  std::unique_ptr<FederationMember> member{};
};

struct ConsortiumOptions {
  int members = 5;
  uint64_t min_cohort = 3;
  std::optional<PrivacySpec> privacy{};  // set: the members' grants are "protected"
  uint64_t min_records = 1;
  uint64_t noise_seed = 1;
};

inline constexpr char kConsortium[] = "steel-bench";
inline constexpr char kRequesterName[] = "coordinator";

// The grant every member gives the coordinator: energy, co2e_scope1 and units_produced, by
// month and product, in rounds of kConsortium.
inline Grant BenchmarkGrant(const ConsortiumOptions& options) {
  Grant g;
  g.name = "benchmark";
  g.partner = kRequesterName;
  g.purpose = "energy benchmark of the consortium";
  g.metrics = {"co2e_scope1", "energy", "units_produced"};
  g.aggregates = {Aggregate::kSum, Aggregate::kCount, Aggregate::kMean};
  g.ratios = {{"energy", "units_produced"}};
  g.group_tags = {"product"};
  g.finest = Granularity::kMonth;
  g.min_records = options.min_records;
  g.federation = FederationSpec{kConsortium, options.min_cohort};
  if (options.privacy) {
    g.release = Release::kProtected;
    g.privacy = options.privacy;
  }
  return g;
}

// `members` data members "member-0".. plus the coordinator (on the roster, not in cohorts),
// all with the same roster, each member with its own policy and the benchmark grant.
class TestConsortium {
 public:
  explicit TestConsortium(ConsortiumOptions options = {})
      : options_(options), requester_(FixedIdentity(200)) {
    std::vector<RosterMember> roster;
    // Keys as a roster with certificates would hold them.
    roster.push_back(RosterMember{kRequesterName, requester_.fingerprint(), "coordinator:7443",
                                  requester_.public_key()});
    for (int i = 0; i < options.members; ++i) {
      auto p = std::make_unique<Participant>(Participant{
          absl::StrCat("member-", i), FixedIdentity(static_cast<uint8_t>(1 + i)), FakeData()});
      roster.push_back(RosterMember{p->name, p->identity.fingerprint(),
                                    absl::StrCat(p->name, ":7443"), p->identity.public_key()});
      participants_.push_back(std::move(p));
    }
    roster_ = std::make_unique<ConsortiumRoster>(
        ConsortiumRoster::Make(kConsortium, std::move(roster)).value());
    for (int i = 0; i < options.members; ++i) {
      MakeMember(i, BenchmarkGrant(options), roster_.get());
    }
  }

  // Rebuilds member i with `grant` as its only grant and `roster` as its copy of the roster
  // (which must outlive the consortium; nullptr: the shared roster). Its data is kept.
  // `local`: the member's LocalQuery (default: its FakeData).
  void MakeMember(int i, Grant grant, const ConsortiumRoster* roster = nullptr,
                  LocalQuery local = {}) {
    Participant& p = *participants_[i];
    PolicyBuilder builder;
    builder.AddGrant(std::move(grant));
    p.steward = std::make_unique<PolicySteward>(
        std::make_shared<const Policy>(std::move(builder).Build().value()));
    p.noise = std::make_unique<TestRandom>(options_.noise_seed * 1000 + i);
    MemberContext context;
    context.identity = &p.identity;
    context.roster = roster != nullptr ? roster : roster_.get();
    context.steward = p.steward.get();
    context.local = local ? std::move(local) : p.data.AsLocalQuery();
    context.clock = [this] { return now_; };
    context.noise = p.noise.get();
    p.member = std::make_unique<FederationMember>(std::move(context));
    transport_.Register(p.member.get());
  }

  int size() const { return static_cast<int>(participants_.size()); }
  Participant& member(int i) { return *participants_[i]; }
  const Identity& requester() const { return requester_; }
  const ConsortiumRoster& roster() const { return *roster_; }
  InMemoryTransport& transport() { return transport_; }
  Timestamp now() const { return now_; }
  void set_now(Timestamp now) { now_ = now; }

  // Every member's key, or every member's but those listed.
  std::vector<PublicKey> Cohort(std::vector<int> without = {}) const {
    std::vector<PublicKey> keys;
    for (int i = 0; i < size(); ++i) {
      if (std::find(without.begin(), without.end(), i) == without.end()) {
        keys.push_back(participants_[i]->identity.public_key());
      }
    }
    return keys;
  }

  absl::StatusOr<FederatedResult> Run(const RoundRequest& request, RoundReport* report = nullptr) {
    return RunFederatedRound(requester_, *roster_, transport_, request, now_, report);
  }

 private:
  ConsortiumOptions options_;
  Identity requester_;
  std::vector<std::unique_ptr<Participant>> participants_;
  std::unique_ptr<ConsortiumRoster> roster_;
  InMemoryTransport transport_;
  Timestamp now_ = T("2026-06-01");
};

// The product names "p0".."p<n-1>".
inline std::vector<std::string> Products(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(absl::StrCat("p", i));
  return out;
}

// `aggregate`(energy) over the first quarter of 2026, by month and product p0..p<products-1>.
inline RoundRequest QuarterByMonthAndProduct(int products, std::vector<PublicKey> cohort,
                                             uint32_t min_contributors,
                                             Aggregate aggregate = Aggregate::kSum) {
  RoundRequest r;
  r.query.metric = "energy";
  r.query.aggregate = aggregate;
  if (aggregate == Aggregate::kRatio) r.query.ratio_denominator = "units_produced";
  r.query.from = T("2026-01");
  r.query.to = T("2026-04");
  r.query.time_group = Granularity::kMonth;
  r.query.group_tags = {"product"};
  r.group_values = {Products(products)};
  r.min_contributors = min_contributors;
  r.cohort = std::move(cohort);
  return r;
}

}  // namespace federation_testing
}  // namespace cairn

#endif  // CAIRN_FEDERATION_TESTING_H_
