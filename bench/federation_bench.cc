// federation_bench: the cost of one federated round with secure aggregation (issue 5). Not a
// test.
//
//   bazel run //bench:federation_bench -- [--members 100] [--products 100] [--months 10]
//                                         [--records 1] [--threads 1] [--no-scaling]
// (The default configuration already compiles with -O2; see .bazelrc.)
//
// All members live in this process and talk over the in-memory transport (every message is
// still encoded, signed, decoded and checked). Reported, in the same run:
//   0. building the members (identities, rosters, and the pair keys each member derives when
//      its roster is loaded);
//   1. the secure round end to end (requester and all members, one after another), and a
//      wall-clock estimate for members on their own machines: the requester's time plus, per
//      step, the slowest member;
//   2. the same messages, signatures and checks without pairwise masks ("unmasked round"), and
//      the bare sum of the members' figures without any crypto or messages;
//   3. VerifyFederatedResult on the result;
//   4. bytes each member sends and receives;
//   5. bytes sent per member against the number of groups and the records behind them (20
//      members: what a member sends does not depend on the cohort size).
// Single-threaded unless --threads; CPU time is given beside wall time because the machine is
// shared: treat the numbers as indicative.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "federation/local_figures.h"
#include "federation/messages.h"
#include "federation/tally.h"
#include "federation/testing.h"
#include "federation/verify.h"

namespace cairn {
namespace {

using federation_testing::BenchmarkGrant;
using federation_testing::Products;
using federation_testing::T;
using federation_testing::TestConsortium;
using federation_testing::TestRandom;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Config {
  int members = 100;
  int products = 100;
  int months = 10;
  int records = 1;
  int threads = 1;
  bool scaling = true;
};

RoundRequest Request(const Config& c, std::vector<PublicKey> cohort) {
  RoundRequest r = federation_testing::QuarterByMonthAndProduct(c.products, std::move(cohort), 2);
  r.query.to = BucketFloor(T("2026-01"), Granularity::kMonth);
  for (int m = 0; m < c.months; ++m) r.query.to = BucketNext(r.query.to, Granularity::kMonth);
  return r;
}

// Every member gets `records` energy records in each group.
void Fill(TestConsortium& consortium, const Config& c) {
  const std::vector<std::string> products = Products(c.products);
  for (int i = 0; i < consortium.size(); ++i) {
    Timestamp month = T("2026-01");
    for (int m = 0; m < c.months; ++m, month = BucketNext(month, Granularity::kMonth)) {
      for (const std::string& product : products) {
        for (int r = 0; r < c.records; ++r) {
          consortium.member(i).data.Add("energy", month, {product}, 1000.5 * i + r);
        }
      }
    }
  }
}

std::vector<FederatedRow> Check(absl::StatusOr<std::vector<FederatedRow>> rows) {
  if (!rows.ok()) {
    std::fprintf(stderr, "failed: %s\n", rows.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(rows);
}

// The same messages, signatures and checks as a round, with no pairwise masks: what adding
// up the members' figures costs when the requester may see each of them.
absl::StatusOr<std::vector<FederatedRow>> UnmaskedRound(TestConsortium& consortium,
                                                        const RoundRequest& request) {
  const Identity& requester = consortium.requester();
  Proposal p{federation_testing::kConsortium, std::string(32, 'u'), requester.public_key()};
  p.issued_at = consortium.now();
  p.query = request.query;
  p.group_values = request.group_values;
  p.min_contributors = request.min_contributors;
  p.cohort = request.cohort;
  const std::string proposal = EncodeSigned(SignProposal(requester, p));
  const RoundDigest digest = DigestProposal(DecodeSigned(proposal)->body);
  const KnownKeys roster_keys(consortium.roster().KnownPublicKeys());
  CAIRN_ASSIGN_OR_RETURN(const CohortHash hash, HashCohort(p.cohort));
  CAIRN_ASSIGN_OR_RETURN(const KeySpace keys, KeySpace::Make(p.query, p.group_values));
  const Grant grant = BenchmarkGrant({consortium.size(), 2});
  TestRandom rng(1);

  std::vector<LocalFigures> figures;
  std::vector<std::string> count_replies;
  for (int i = 0; i < consortium.size(); ++i) {
    CAIRN_ASSIGN_OR_RETURN(const SignedMessage m, DecodeSigned(proposal));
    CAIRN_RETURN_IF_ERROR(OpenProposal(m, &roster_keys).status());
    CAIRN_ASSIGN_OR_RETURN(
        LocalFigures f,
        ComputeLocalFigures(p.query, keys, grant, consortium.member(i).data.AsLocalQuery(), rng));
    const Identity& id = consortium.member(i).identity;
    count_replies.push_back(EncodeSigned(SignContribution(
        id, Contribution{digest, hash, Phase::kCounts, id.public_key(), CountVector(f)})));
    figures.push_back(std::move(f));
  }
  ValuesRequest values_request{digest, {}};
  std::vector<Contribution> counts;
  for (int i = 0; i < consortium.size(); ++i) {
    CAIRN_ASSIGN_OR_RETURN(SignedMessage m, DecodeSigned(count_replies[i]));
    CAIRN_ASSIGN_OR_RETURN(
        Contribution c,
        OpenMemberContribution(m, p.cohort[i], digest, hash, Phase::kCounts, CountWords(keys)));
    counts.push_back(std::move(c));
    values_request.counts.push_back(std::move(m));
  }
  CAIRN_ASSIGN_OR_RETURN(const std::vector<uint64_t> count_sum, AddUp(counts));
  CAIRN_ASSIGN_OR_RETURN(const std::vector<uint32_t> contributors,
                         ContributorsFromSum(count_sum, p.cohort.size(), keys.size()));
  const std::vector<size_t> released = ReleasedGroups(contributors, p.min_contributors);
  const std::string values_bytes = EncodeValuesRequest(values_request);

  std::vector<Contribution> values;
  for (int i = 0; i < consortium.size(); ++i) {
    // The member checks every count contribution, as in a secure round.
    CAIRN_ASSIGN_OR_RETURN(const ValuesRequest r, DecodeValuesRequest(values_bytes));
    std::vector<Contribution> seen;
    for (size_t k = 0; k < r.counts.size(); ++k) {
      CAIRN_ASSIGN_OR_RETURN(Contribution c,
                             OpenMemberContribution(r.counts[k], p.cohort[k], digest, hash,
                                                    Phase::kCounts, CountWords(keys)));
      seen.push_back(std::move(c));
    }
    CAIRN_ASSIGN_OR_RETURN(const std::vector<uint64_t> sum, AddUp(seen));
    CAIRN_RETURN_IF_ERROR(ContributorsFromSum(sum, p.cohort.size(), keys.size()).status());
    const Identity& id = consortium.member(i).identity;
    const std::string reply = EncodeSigned(
        SignContribution(id, Contribution{digest, hash, Phase::kValues, id.public_key(),
                                          ValueVector(figures[i], released)}));
    CAIRN_ASSIGN_OR_RETURN(const SignedMessage m, DecodeSigned(reply));
    CAIRN_ASSIGN_OR_RETURN(Contribution c,
                           OpenMemberContribution(m, p.cohort[i], digest, hash, Phase::kValues,
                                                  ValueWords(released.size(), 1)));
    values.push_back(std::move(c));
  }
  CAIRN_ASSIGN_OR_RETURN(const std::vector<uint64_t> value_sum, AddUp(values));
  return RowsFromSums(p.query, keys, contributors, released, value_sum, p.cohort.size());
}

// The members' figures added up directly: no messages, no signatures, no masks.
double BareSumSeconds(TestConsortium& consortium, const RoundRequest& request) {
  const KeySpace keys = KeySpace::Make(request.query, request.group_values).value();
  const Grant grant = BenchmarkGrant({consortium.size(), 2});
  TestRandom rng(1);
  const Clock::time_point start = Clock::now();
  std::vector<Quanta> totals(keys.size(), 0);
  for (int i = 0; i < consortium.size(); ++i) {
    const LocalFigures f = ComputeLocalFigures(request.query, keys, grant,
                                               consortium.member(i).data.AsLocalQuery(), rng)
                               .value();
    for (size_t g = 0; g < keys.size(); ++g) totals[g] += f.components[g][0];
  }
  return Seconds(Clock::now() - start);
}

struct Bytes {
  double sent = 0;      // average per member
  double received = 0;  // average per member
};

Bytes AverageTraffic(TestConsortium& consortium) {
  Bytes b;
  for (int i = 0; i < consortium.size(); ++i) {
    const InMemoryTransport::Traffic t =
        consortium.transport().TrafficOf(consortium.member(i).identity.public_key());
    b.sent += static_cast<double>(t.bytes_from_member) / consortium.size();
    b.received += static_cast<double>(t.bytes_to_member) / consortium.size();
  }
  return b;
}

void Main(const Config& c) {
  std::printf(
      "federation_bench: %d members, %d groups (%d products x %d months), %d record%s "
      "per member and group, %d thread%s\n\n",
      c.members, c.products * c.months, c.products, c.months, c.records, c.records == 1 ? "" : "s",
      c.threads, c.threads == 1 ? "" : "s");
  // Building the members derives every pair key (each member does it when its roster is
  // loaded, federation/round_masks.h), so the round below does not pay for them.
  const double setup_cpu_start = CpuSeconds();
  const Clock::time_point setup_start = Clock::now();
  TestConsortium consortium({c.members, 2});
  std::printf("members built (identities, rosters, pair keys)  %8.3f s  (CPU %.3f s)\n",
              Seconds(Clock::now() - setup_start), CpuSeconds() - setup_cpu_start);
  consortium.transport().SetThreads(c.threads);
  Fill(consortium, c);
  const RoundRequest request = Request(c, consortium.Cohort());

  // 1. The secure round.
  const double cpu_start = CpuSeconds();
  const Clock::time_point start = Clock::now();
  absl::StatusOr<FederatedResult> result = consortium.Run(request);
  const double secure = Seconds(Clock::now() - start);
  const double secure_cpu = CpuSeconds() - cpu_start;
  if (!result.ok()) {
    std::fprintf(stderr, "round failed: %s\n", result.status().ToString().c_str());
    std::exit(1);
  }
  double members_total = 0;
  double slowest_per_step = 0;
  double per_step[3] = {0, 0, 0};  // average per member, seconds
  for (int call = 0; call < 3; ++call) {
    int64_t slowest = 0;
    for (int i = 0; i < consortium.size(); ++i) {
      const int64_t us = consortium.transport()
                             .TrafficOf(consortium.member(i).identity.public_key())
                             .handle_micros[call];
      members_total += us * 1e-6;
      per_step[call] += us * 1e-6 / consortium.size();
      slowest = std::max(slowest, us);
    }
    slowest_per_step += slowest * 1e-6;
  }
  const double requester = secure - consortium.transport().broadcast_micros() * 1e-6;

  // 2. Baselines.
  const Clock::time_point plain_start = Clock::now();
  const double plain_cpu_start = CpuSeconds();
  const std::vector<FederatedRow> plain_rows = Check(UnmaskedRound(consortium, request));
  const double unmasked = Seconds(Clock::now() - plain_start);
  const double unmasked_cpu = CpuSeconds() - plain_cpu_start;
  const double bare = BareSumSeconds(consortium, request);
  if (plain_rows != result->rows) {
    std::fprintf(stderr, "the unmasked round disagrees with the secure round\n");
    std::exit(1);
  }

  // 3. Verification.
  const Clock::time_point verify_start = Clock::now();
  const absl::Status verified = VerifyFederatedResult(*result, consortium.roster());
  const double verify = Seconds(Clock::now() - verify_start);

  const Bytes bytes = AverageTraffic(consortium);
  std::printf("secure round, end to end (all in this process)  %8.3f s  (CPU %.3f s)\n", secure,
              secure_cpu);
  std::printf("  of which the requester                         %8.3f s\n", requester);
  std::printf("  of which the members, %s %8.3f s  (%.1f ms each)\n",
              c.threads == 1 ? "one after another       " : "summed over the threads ",
              members_total, 1e3 * members_total / c.members);
  std::printf("  a member's steps: propose %.1f ms, announce %.1f ms, values %.1f ms\n",
              1e3 * per_step[0], 1e3 * per_step[1], 1e3 * per_step[2]);
  std::printf("  members in parallel (estimate: requester + slowest member per step)  %.3f s\n",
              requester + slowest_per_step);
  std::printf("unmasked round (same messages and checks)       %8.3f s  (CPU %.3f s)\n", unmasked,
              unmasked_cpu);
  std::printf("bare sum of the figures (no crypto, no messages) %7.3f s\n", bare);
  std::printf("ratio secure / unmasked                         %8.2fx  (CPU %.2fx)\n",
              secure / unmasked, secure_cpu / unmasked_cpu);
  std::printf("ratio secure / bare sum                         %8.1fx\n", secure / bare);
  std::printf("VerifyFederatedResult                           %8.3f s  (%s)\n", verify,
              verified.ok() ? "OK" : verified.ToString().c_str());
  std::printf("bytes per member: sent %.0f, received %.0f\n", bytes.sent, bytes.received);
  std::printf("groups in the result: %zu, released: %zu\n\n", result->rows.size(),
              static_cast<size_t>(std::count_if(result->rows.begin(), result->rows.end(),
                                                [](const FederatedRow& r) { return r.released; })));

  // 5. What a member sends, against groups and data.
  if (!c.scaling) return;
  std::printf("bytes sent per member (20 members), by groups and records per group:\n");
  std::printf("%10s %12s %12s %12s\n", "groups", "1 record", "10 records", "100 records");
  for (int products : {10, 100, 400}) {
    std::printf("%10d", products * c.months);
    for (int records : {1, 10, 100}) {
      Config small = c;
      small.members = 20;
      small.products = products;
      small.records = records;
      if (products * records > 10'000) {
        std::printf(" %12s", "-");
        continue;
      }
      TestConsortium s({small.members, 2});
      Fill(s, small);
      absl::StatusOr<FederatedResult> r = s.Run(Request(small, s.Cohort()));
      if (!r.ok()) {
        std::fprintf(stderr, "round failed: %s\n", r.status().ToString().c_str());
        std::exit(1);
      }
      std::printf(" %12.0f", AverageTraffic(s).sent);
    }
    std::printf("\n");
  }
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  cairn::Config c;
  CLI::App app{"Cairn federated round benchmark"};
  app.add_option("--members", c.members, "cohort size (2..1000)");
  app.add_option("--products", c.products, "values of the product tag in the key space");
  app.add_option("--months", c.months, "months in the query's range");
  app.add_option("--records", c.records, "records per member and group");
  app.add_option("--threads", c.threads, "threads delivering calls to members (secure round)");
  bool no_scaling = false;
  app.add_flag("--no-scaling", no_scaling, "skip the bytes-by-groups table");
  CLI11_PARSE(app, argc, argv);
  c.scaling = !no_scaling;
  cairn::Main(c);
  return 0;
}
