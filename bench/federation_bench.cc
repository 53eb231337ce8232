// federation_bench: the cost of one federated round with secure aggregation and count
// commitments. Not a test.
//
//   bazel run -c opt //bench:federation_bench -- [--members 100] [--products 100] [--months 10]
//       [--records 1] [--threads 1] [--values-members K] [--no-scaling]
// (The default configuration already compiles with -O2; see .bazelrc.)
//
// All members live in this process and talk over the in-memory transport (every message is
// still encoded, signed, decoded and checked). Reported, in the same run:
//   0. building the members (identities, rosters, and the pair keys each member derives when
//      its roster is loaded);
//   1. the round. With every member answering the values step (the default up to 20 members,
//      or --values-members at least --members) it runs whole, end to end, through
//      RunFederatedRound. Otherwise it runs step by step as RunFederatedRound does, every
//      member proposing and announcing, the requester opening and checking the counts, and
//      only K members answering the values step; the round's CPU is then extrapolated as the
//      requester's time + every member's propose and announce + members x the mean values
//      step of the K (each member's values step does the same work on the same messages);
//   2. the parts of the count phase, timed on their own over the round's messages: one
//      member's commitments and proofs (CommitCounts), opening the counts (n x (groups + 1)
//      point additions), and the proofs of the released groups checked in full (the requester
//      and VerifyFederatedResult) and in a member's share (VerificationShare);
//   3. baselines: the same messages, signatures and checks without masks, commitments or
//      proofs ("plain round", plain 0/1 count words as the protocol had before the
//      commitments), and the bare sum of the members' figures;
//   4. VerifyFederatedResult (whole rounds);
//   5. bytes each member sends and receives, and the size of the values request;
//   6. bytes sent per member against the number of groups and the records behind them (3
//      members, the smallest cohort that checks proofs: what a member sends does not depend
//      on the cohort size).
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
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "crypto/ristretto.h"
#include "federation/count_phase.h"
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

// Wall and CPU time of whatever runs between construction and Stop().
class Stopwatch {
 public:
  Stopwatch() : wall_(Clock::now()), cpu_(CpuSeconds()) {}
  void Stop() {
    wall_s_ = Seconds(Clock::now() - wall_);
    cpu_s_ = CpuSeconds() - cpu_;
  }
  double wall() const { return wall_s_; }
  double cpu() const { return cpu_s_; }

 private:
  Clock::time_point wall_;
  double cpu_;
  double wall_s_ = 0, cpu_s_ = 0;
};

template <typename T>
T OrDie(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "%s failed: %s\n", what, v.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(v);
}

void OrDie(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s failed: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

struct Config {
  int members = 100;
  int products = 100;
  int months = 10;
  int records = 1;
  int threads = 1;
  int values_members = -1;  // -1: all up to 20 members, else 3
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

Proposal ProposalOf(TestConsortium& consortium, const RoundRequest& request, char id) {
  const Identity& requester = consortium.requester();
  Proposal p{federation_testing::kConsortium, std::string(32, id), requester.public_key()};
  p.issued_at = consortium.now();
  p.query = request.query;
  p.group_values = request.group_values;
  p.min_contributors = request.min_contributors;
  p.cohort = request.cohort;
  return p;
}

// The same messages, signatures and checks as a round, with no masks, commitments or proofs:
// plain 0/1 count words (as the protocol had them before the commitments) and plain figures,
// each carried as a signed vector of words.
absl::StatusOr<std::vector<FederatedRow>> PlainRound(TestConsortium& consortium,
                                                     const RoundRequest& request) {
  const Proposal p = ProposalOf(consortium, request, 'u');
  const std::string proposal = EncodeSigned(SignProposal(consortium.requester(), p));
  const RoundDigest digest = DigestProposal(DecodeSigned(proposal)->body);
  const KnownKeys roster_keys(consortium.roster().KnownPublicKeys());
  CAIRN_ASSIGN_OR_RETURN(const CohortHash hash, HashCohort(p.cohort));
  CAIRN_ASSIGN_OR_RETURN(const KeySpace keys, KeySpace::Make(p.query, p.group_values));
  const Grant grant = BenchmarkGrant({consortium.size(), 2});
  const size_t count_words = kCanaryWords + keys.size();
  TestRandom rng(1);
  auto signed_words = [&](int i, std::vector<uint64_t> words) {
    const Identity& id = consortium.member(i).identity;
    return EncodeSigned(SignContribution(
        id, Contribution{digest, hash, Phase::kValues, id.public_key(), std::move(words)}));
  };
  auto contributors_of = [&](const std::vector<Contribution>& counts) {
    std::vector<uint32_t> contributors(keys.size());
    const std::vector<uint64_t> sum = AddUp(counts).value();
    for (size_t g = 0; g < keys.size(); ++g) {
      contributors[g] = static_cast<uint32_t>(sum[kCanaryWords + g]);
    }
    return contributors;
  };

  std::vector<LocalFigures> figures;
  std::vector<std::string> count_replies;
  for (int i = 0; i < consortium.size(); ++i) {
    CAIRN_ASSIGN_OR_RETURN(const SignedMessage m, DecodeSigned(proposal));
    CAIRN_RETURN_IF_ERROR(OpenProposal(m, &roster_keys).status());
    CAIRN_ASSIGN_OR_RETURN(
        LocalFigures f,
        ComputeLocalFigures(p.query, keys, grant, consortium.member(i).data.AsLocalQuery(), rng));
    std::vector<uint64_t> words = {1, 0, 0};
    for (uint8_t b : f.contributes) words.push_back(b);
    count_replies.push_back(signed_words(i, std::move(words)));
    figures.push_back(std::move(f));
  }
  ValuesRequest values_request{digest, {}};
  std::vector<Contribution> counts;
  for (int i = 0; i < consortium.size(); ++i) {
    CAIRN_ASSIGN_OR_RETURN(SignedMessage m, DecodeSigned(count_replies[i]));
    CAIRN_ASSIGN_OR_RETURN(Contribution c, OpenMemberContribution(m, p.cohort[i], digest, hash,
                                                                  Phase::kValues, count_words));
    counts.push_back(std::move(c));
    values_request.counts.push_back(std::move(m));
  }
  const std::vector<uint32_t> contributors = contributors_of(counts);
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
                                                    Phase::kValues, count_words));
      seen.push_back(std::move(c));
    }
    contributors_of(seen);
    const std::string reply = signed_words(i, ValueVector(figures[i], released));
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

Bytes AverageTraffic(TestConsortium& consortium, int members) {
  Bytes b;
  for (int i = 0; i < members; ++i) {
    const InMemoryTransport::Traffic t =
        consortium.transport().TrafficOf(consortium.member(i).identity.public_key());
    b.sent += static_cast<double>(t.bytes_from_member) / members;
    b.received += static_cast<double>(t.bytes_to_member) / members;
  }
  return b;
}

// CPU seconds a member spent in `call`.
double HandleSeconds(TestConsortium& consortium, int i, FederationCall call) {
  return consortium.transport()
             .TrafficOf(consortium.member(i).identity.public_key())
             .handle_cpu_micros[static_cast<int>(call)] *
         1e-6;
}

// What the round measured, whichever way it ran.
struct RoundFigures {
  double round_cpu = 0;                          // whole: measured; else extrapolated
  double round_wall = 0;                         // whole only
  double requester = 0;                          // the requester's own CPU
  double propose = 0, announce = 0, values = 0;  // mean CPU per member
  double slowest_per_step = 0;                   // sum over the steps of the slowest member
  int values_members = 0;
  size_t values_request_bytes = 0;
  std::vector<Contribution> counts;  // every member's, for the timings of part 2
  std::optional<FederatedResult> result;
};

void MeasureMembers(TestConsortium& consortium, int values_members, RoundFigures* f) {
  const int n = consortium.size();
  const FederationCall calls[] = {FederationCall::kPropose, FederationCall::kAnnounce,
                                  FederationCall::kValues};
  double* means[] = {&f->propose, &f->announce, &f->values};
  for (int k = 0; k < 3; ++k) {
    const int counted = k == 2 ? values_members : n;
    double slowest = 0;
    for (int i = 0; i < counted; ++i) {
      const double s = HandleSeconds(consortium, i, calls[k]);
      *means[k] += s / counted;
      slowest = std::max(slowest, s);
    }
    f->slowest_per_step += slowest;
  }
}

RoundFigures WholeRound(TestConsortium& consortium, const RoundRequest& request) {
  RoundFigures f;
  consortium.transport().ResetTraffic();
  Stopwatch round;
  absl::StatusOr<FederatedResult> result = consortium.Run(request);
  round.Stop();
  f.result = OrDie(std::move(result), "the round");
  f.round_wall = round.wall();
  f.round_cpu = round.cpu();
  f.values_members = consortium.size();
  MeasureMembers(consortium, consortium.size(), &f);
  f.requester = f.round_cpu - consortium.size() * (f.propose + f.announce + f.values);
  for (size_t i = 0; i < f.result->counts.size(); ++i) {
    f.counts.push_back(OpenContribution(f.result->counts[i]).value());
  }
  f.values_request_bytes =
      EncodeValuesRequest(ValuesRequest{DigestProposal(f.result->proposal.body), f.result->counts})
          .size();
  return f;
}

// The round step by step (RunFederatedRound's steps), with the values step delivered to the
// first `values_members` members only.
RoundFigures SampledRound(TestConsortium& consortium, const RoundRequest& request,
                          int values_members) {
  RoundFigures f;
  f.values_members = values_members;
  InMemoryTransport& transport = consortium.transport();
  transport.ResetTraffic();
  const Identity& requester = consortium.requester();
  const Proposal p = ProposalOf(consortium, request, 's');
  const KeySpace keys = KeySpace::Make(p.query, p.group_values).value();
  const double cpu_start = CpuSeconds();
  const SignedMessage proposal = SignProposal(requester, p);
  const RoundDigest digest = DigestProposal(proposal.body);
  for (const auto& reply :
       transport.Broadcast(FederationCall::kPropose, p.cohort, EncodeSigned(proposal))) {
    const Commitment c = OpenCommitment(DecodeSigned(OrDie(reply, "propose")).value()).value();
    if (!c.accepted) OrDie(absl::FailedPreconditionError(c.reason), "propose");
  }
  const std::string announcement = EncodeSigned(
      SignAnnouncement(requester, Announcement{digest, requester.public_key(), p.cohort}));
  const CohortHash hash = HashCohort(p.cohort).value();
  ValuesRequest values{digest, {}};
  const std::vector<absl::StatusOr<std::string>> replies =
      transport.Broadcast(FederationCall::kAnnounce, p.cohort, announcement);
  for (size_t i = 0; i < replies.size(); ++i) {
    values.counts.push_back(DecodeSigned(OrDie(replies[i], "announce")).value());
    f.counts.push_back(OrDie(OpenMemberContribution(values.counts.back(), p.cohort[i], digest, hash,
                                                    Phase::kCounts, keys.size()),
                             "the counts"));
  }
  const std::vector<uint32_t> contributors = OrDie(OpenCounts(f.counts, keys), "opening");
  const std::vector<size_t> released = ReleasedGroups(contributors, p.min_contributors);
  CsprngSource unused;
  OrDie(VerifyCountProofs(f.counts, keys, released, 1.0, nullptr, unused).status(), "proofs");
  const std::string values_bytes = EncodeValuesRequest(values);
  f.values_request_bytes = values_bytes.size();
  const std::vector<PublicKey> sample(p.cohort.begin(), p.cohort.begin() + values_members);
  for (const auto& reply : transport.Broadcast(FederationCall::kValues, sample, values_bytes)) {
    OrDie(reply.status(), "values");
  }
  MeasureMembers(consortium, values_members, &f);
  const int n = consortium.size();
  // Single-threaded or not, the process's CPU minus what the members' calls took.
  f.requester = CpuSeconds() - cpu_start - n * (f.propose + f.announce) - values_members * f.values;
  f.round_cpu = f.requester + n * (f.propose + f.announce + f.values);
  return f;
}

void Main(const Config& c) {
  const int values_members = c.values_members < 0 ? (c.members <= 20 ? c.members : 3)
                                                  : std::min(c.values_members, c.members);
  const bool whole = values_members >= c.members;
  std::printf(
      "federation_bench: %d members, %d groups (%d products x %d months), %d record%s per member "
      "and group, %d thread%s, %s\n\n",
      c.members, c.products * c.months, c.products, c.months, c.records, c.records == 1 ? "" : "s",
      c.threads, c.threads == 1 ? "" : "s",
      whole ? "the whole round"
            : absl::StrCat("the values step for ", values_members, " members (extrapolated)")
                  .c_str());
  Stopwatch setup;
  TestConsortium consortium({c.members, 2});
  setup.Stop();
  std::printf("members built (identities, rosters, pair keys)   %8.3f s  (CPU %.3f s)\n",
              setup.wall(), setup.cpu());
  consortium.transport().SetThreads(c.threads);
  Fill(consortium, c);
  const RoundRequest request = Request(c, consortium.Cohort());
  const KeySpace keys = KeySpace::Make(request.query, request.group_values).value();

  // 1. The round.
  const RoundFigures f =
      whole ? WholeRound(consortium, request) : SampledRound(consortium, request, values_members);
  const Bytes bytes = AverageTraffic(consortium, values_members);
  if (whole) {
    std::printf("round, end to end (all in this process)         %8.3f s  (CPU %.3f s)\n",
                f.round_wall, f.round_cpu);
  } else {
    std::printf("round CPU, extrapolated to %4d members         %8.3f s\n", c.members, f.round_cpu);
  }
  std::printf("  of which the requester, CPU                     %8.3f s\n", f.requester);
  std::printf(
      "  a member's steps, CPU: propose %.1f ms, announce %.1f ms, values %.1f ms (mean of %d)\n",
      1e3 * f.propose, 1e3 * f.announce, 1e3 * f.values, f.values_members);
  std::printf(
      "  members on their own machines (requester + slowest member per step, CPU)  %.3f s\n",
      f.requester + f.slowest_per_step);

  // 2. The parts of the count phase.
  const std::vector<uint32_t> contributors = OrDie(OpenCounts(f.counts, keys), "opening");
  const std::vector<size_t> released = ReleasedGroups(contributors, request.min_contributors);
  {
    TestRandom unused(0);
    const Identity& id = consortium.member(0).identity;
    const LocalFigures figures =
        ComputeLocalFigures(request.query, keys, BenchmarkGrant({c.members, 2}),
                            consortium.member(0).data.AsLocalQuery(), unused)
            .value();
    SecretBytes masks(kScalarBytes * (kCountCanaries + keys.size()));
    for (size_t i = 0; i < kCountCanaries + keys.size(); ++i) {
      RandomScalar(masks.data() + i * kScalarBytes);
    }
    Contribution mine{f.counts[0].round, f.counts[0].cohort_hash, Phase::kCounts, id.public_key()};
    Stopwatch prove;
    OrDie(CommitCounts(figures.contributes, masks, &mine), "CommitCounts");
    prove.Stop();
    std::printf(
        "a member's commitments and proofs (CommitCounts, %zu groups)  %7.3f s  (%.0f us "
        "per group)\n",
        keys.size(), prove.cpu(), 1e6 * prove.cpu() / keys.size());
  }
  Stopwatch open;
  OrDie(OpenCounts(f.counts, keys).status(), "opening");
  open.Stop();
  std::printf("opening the counts (%zu x %zu point additions)      %7.3f s  (%.1f us each)\n",
              f.counts.size(), kCountCanaries + keys.size(), open.cpu(),
              1e6 * open.cpu() / (f.counts.size() * (kCountCanaries + keys.size())));
  const double share = VerificationShare(c.members, request.min_contributors);
  CsprngSource csprng;
  Stopwatch member_share;
  const size_t checked =
      OrDie(VerifyCountProofs(f.counts, keys, released, share,
                              &consortium.member(0).identity.public_key(), csprng),
            "a member's share");
  member_share.Stop();
  std::printf(
      "a member's share of the proofs: f = %.4f, %zu of %zu proofs  %7.3f s  (%.0f us each)\n",
      share, checked, (f.counts.size() - 1) * released.size(), member_share.cpu(),
      checked ? 1e6 * member_share.cpu() / checked : 0.0);
  const size_t all_proofs = f.counts.size() * released.size();
  if (all_proofs <= 20'000) {
    Stopwatch full;
    OrDie(VerifyCountProofs(f.counts, keys, released, 1.0, nullptr, csprng).status(), "all proofs");
    full.Stop();
    std::printf("all %zu proofs of released groups (requester, verify)  %7.3f s\n", all_proofs,
                full.cpu());
  } else {
    // The requester's time above includes them; time a tenth here.
    std::vector<size_t> tenth(released.begin(), released.begin() + released.size() / 10);
    Stopwatch part;
    OrDie(VerifyCountProofs(f.counts, keys, tenth, 1.0, nullptr, csprng).status(), "proofs");
    part.Stop();
    std::printf("all %zu proofs of released groups, from a tenth   %7.3f s  (%.0f us each)\n",
                all_proofs, 10 * part.cpu(), 1e6 * part.cpu() / (f.counts.size() * tenth.size()));
  }

  // 3. Baselines.
  Stopwatch plain;
  const std::vector<FederatedRow> plain_rows =
      OrDie(PlainRound(consortium, request), "plain round");
  plain.Stop();
  const double bare = BareSumSeconds(consortium, request);
  std::printf(
      "plain round (same messages and checks, no masks, commitments or proofs)  %.3f s  "
      "(CPU %.3f s)\n",
      plain.wall(), plain.cpu());
  std::printf("bare sum of the figures (no crypto, no messages)  %7.3f s\n", bare);
  std::printf("ratio round CPU / plain round CPU               %8.1fx\n",
              f.round_cpu / plain.cpu());

  // 4. Verification.
  if (f.result) {
    if (plain_rows != f.result->rows) {
      std::fprintf(stderr, "the plain round disagrees with the secure round\n");
      std::exit(1);
    }
    Stopwatch verify;
    const absl::Status verified = VerifyFederatedResult(*f.result, consortium.roster());
    verify.Stop();
    std::printf("VerifyFederatedResult                           %8.3f s  (%s)\n", verify.cpu(),
                verified.ok() ? "OK" : verified.ToString().c_str());
  }

  // 5. Bytes.
  std::printf("bytes per member: sent %.0f, received %.0f (mean of %d); values request %zu\n",
              bytes.sent, bytes.received, values_members, f.values_request_bytes);
  std::printf("groups released: %zu of %zu\n\n", released.size(), keys.size());

  // 6. What a member sends, against groups and data.
  if (!c.scaling) return;
  std::printf("bytes sent per member (3 members), by groups and records per group:\n");
  std::printf("%10s %12s %12s %12s\n", "groups", "1 record", "10 records", "100 records");
  for (int products : {10, 100, 400}) {
    std::printf("%10d", products * c.months);
    for (int records : {1, 10, 100}) {
      Config small = c;
      small.members = 3;
      small.products = products;
      small.records = records;
      if (products * records > 10'000) {
        std::printf(" %12s", "-");
        continue;
      }
      TestConsortium s({small.members, 2});
      Fill(s, small);
      OrDie(s.Run(Request(small, s.Cohort())).status(), "the round");
      std::printf(" %12.0f", AverageTraffic(s, s.size()).sent);
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
  app.add_option("--threads", c.threads, "threads delivering calls to members");
  app.add_option("--values-members", c.values_members,
                 "members that answer the values step (default: all up to 20 members, else 3)");
  bool no_scaling = false;
  app.add_flag("--no-scaling", no_scaling, "skip the bytes-by-groups table");
  CLI11_PARSE(app, argc, argv);
  c.scaling = !no_scaling;
  cairn::Main(c);
  return 0;
}
