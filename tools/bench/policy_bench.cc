// policy_bench: issue 4's policy decision cost with 1,000 grants. Not a test.
//
//   bazel run -c opt //tools/bench:policy_bench [-- iterations]     (default 200,000)
//
// Builds a policy of 1,000 grants over 400 partners and 20 partner groups, plus 50 deny
// rules, and times Decide() for a mix of allowed and denied queries, each call on the steady
// clock. Prints the median and the 99th percentile per call, and beside them the thread's CPU
// time over all calls divided by their number (the clock reads included), which a busy machine
// disturbs less than the per-call wall times. One "RESULT case=... " line per case for
// tools/bench/partner_bench.sh. Single-threaded.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "policy/decision.h"
#include "policy/policy.h"
#include "tools/bench/measure.h"

namespace cairn {
namespace {

const std::vector<std::string> kMetrics = {"energy", "co2e_scope1", "units_produced", "output_mass",
                                           "water"};
const std::vector<std::string> kTags = {"site", "line", "product", "shift"};

Policy MakePolicy(std::mt19937_64& rng) {
  PolicyBuilder builder;
  for (int g = 0; g < 20; ++g) {
    std::vector<std::string> members;
    for (int m = 0; m < 25; ++m)
      members.push_back(absl::StrCat("partner-", (g * 17 + m * 13) % 400));
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
    builder.AddGroup(absl::StrCat("group-", g), members);
  }
  for (int i = 0; i < 1000; ++i) {
    Grant g;
    g.name = absl::StrCat("grant-", i);
    if (i % 10 == 5) {
      g.partner = "busy-partner";  // 100 grants, so its denials cite 100 refusals
    } else if (i % 10 == 0) {
      g.group = absl::StrCat("group-", i / 10 % 20);
    } else {
      g.partner = absl::StrCat("partner-", rng() % 400);
    }
    g.purpose = "benchmark";
    g.metrics = {kMetrics[i % kMetrics.size()], kMetrics[(i + 1) % kMetrics.size()]};
    g.aggregates = {Aggregate::kSum, Aggregate::kMean};
    g.ratios = {{"co2e_scope1", "units_produced"}};
    g.filter_tags = {"site", "product"};
    g.group_tags = {"product"};
    g.finest = Granularity::kMonth;
    g.valid_from = ParseTimestamp("2026-01-01T00:00:00Z").value();
    builder.AddGrant(g);
  }
  for (int i = 0; i < 50; ++i) {
    DenyRule r;
    r.name = absl::StrCat("deny-", i);
    r.reason = "benchmark";
    if (i % 5 != 0) r.partner = absl::StrCat("partner-", rng() % 400);
    r.tags = {"shift"};
    builder.AddDenyRule(r);
  }
  return std::move(builder).Build().value();
}

Query MakeQuery(std::mt19937_64& rng) {
  Query q;
  q.metric = kMetrics[rng() % kMetrics.size()];
  q.aggregate = rng() % 4 == 0 ? Aggregate::kCount : Aggregate::kSum;
  q.from = ParseTimestamp("2026-01-01T00:00:00Z").value();
  q.to = ParseTimestamp("2026-04-01T00:00:00Z").value();
  q.time_group = Granularity::kMonth;
  q.group_tags = {"product"};
  q.filters = {{kTags[rng() % kTags.size()], {"x"}}};
  return q;
}

int Main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 200'000;
  std::mt19937_64 rng(1);
  Policy policy = MakePolicy(rng);
  std::vector<std::pair<std::string, Query>> asks;
  for (int i = 0; i < 4096; ++i) {
    asks.push_back({absl::StrCat("partner-", rng() % 420), MakeQuery(rng)});
  }
  const Timestamp now = ParseTimestamp("2026-06-01T00:00:00Z").value();

  auto run = [&](const char* key, const char* label, auto&& partner_of) {
    std::vector<double> micros;
    micros.reserve(iterations);
    int allowed = 0;
    const double cpu0 = ThreadCpuSeconds();
    for (int i = 0; i < iterations; ++i) {
      const auto& [partner, query] = asks[i % asks.size()];
      const std::string& who = partner_of(partner);
      auto start = std::chrono::steady_clock::now();
      Decision d = Decide(policy, who, query, now);
      auto end = std::chrono::steady_clock::now();
      allowed += d.allowed;
      micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    }
    const double cpu_us = (ThreadCpuSeconds() - cpu0) * 1e6 / iterations;
    const LatencySummary s = Summarize(std::move(micros));
    std::printf(
        "%-34s median=%6.2f us  p99=%6.2f us  CPU=%6.2f us per call  (%d decisions, %.1f%% "
        "allowed)\n",
        label, s.p50, s.p99, cpu_us, iterations, 100.0 * allowed / iterations);
    std::printf("RESULT case=%s median_us=%.3f p99_us=%.3f cpu_us=%.3f allowed_pct=%.1f\n", key,
                s.p50, s.p99, cpu_us, 100.0 * allowed / iterations);
  };
  std::printf("grants=%zu deny_rules=%zu groups=%zu\n", policy.grants().size(),
              policy.deny_rules().size(), policy.groups().size());
  run("random", "random partners (0-6 grants each)",
      [](const std::string& p) -> const std::string& { return p; });
  static const std::string kBusy = "busy-partner";
  run("busy", "partner bound by 100 grants",
      [](const std::string&) -> const std::string& { return kBusy; });
  return 0;
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) { return cairn::Main(argc, argv); }
