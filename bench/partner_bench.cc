// partner_bench: issue 3's partner round trip, as a requester sees it, against several owners
// in one run (tools/bench/partner_bench.sh sets them up; docs/BENCHMARKS.md has the figures).
//
//   partner_bench --me DIR --target SPEC [--target SPEC ...] [--year 2025] [--rounds 10]
//       [--latency-queries 100] [--latency-block 20] [--warmup 20] [--throughput-seconds 1]
//       [--in-flight 32] [--connections 4] [--dials 50] [--parallel-dials 8]
//
// DIR is the requester's data dir (only its identity is used; no cairnd runs there). Each
// SPEC names an owner (bench/partner_targets.h): a cairnd over mutual TLS, where this
// program is a registered partner, or the clear baseline server. Every owner is asked the
// same query: issue 2's year-long sum(energy) by month and product (year_query.h). First each
// owner's answer is checked to be identical, row for row, to the first owner's. Then, in
// --rounds rounds, each round visiting the owners in a rotated order so that all of them
// meet the same load on this shared machine:
//   latency     --latency-queries round trips one after another on one connection, each
//               timed from signing the request to the verified rows, in blocks of
//               --latency-block queries with the owners taking turns block by block;
//   throughput  --in-flight calls kept in flight for --throughput-seconds over --connections
//               connections (call i on connection i mod --connections): answers per second,
//               and the latency of each call under that load;
//   connections --dials new connections one at a time, then as many with --parallel-dials
//               in flight: each made ready for its first call (partner_targets.h: Dial), then
//               closed.
// Beside wall time, every block records this process's CPU time and the owner's (the sum
// over its threads of their time on a CPU, /proc/PID/task/*/schedstat), and how long the
// owner's threads waited for a CPU held by other processes. Prints a summary and one
// "RESULT target=NAME key=value ..." line per owner for the script. Single-threaded: one kj
// event loop drives every call.
#include <kj/async-io.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "participant/data_dir.h"
#include "participant/participant_identity.h"
#include "protocol/rpc_status.h"
#include "tools/bench/measure.h"
#include "bench/partner_targets.h"
#include "tools/bench/year_query.h"

namespace cairn {
namespace {

struct Flags {
  std::string me;
  std::vector<std::string> targets;
  int year = 2025;
  int rounds = 10;
  int latency_queries = 100;
  int latency_block = 20;
  int warmup = 20;
  double throughput_seconds = 1;
  int in_flight = 32;
  int connections = 4;
  int dials = 50;
  int parallel_dials = 8;
};

// Resources used between two readings.
struct Usage {
  double wall_s = 0;
  double client_cpu_s = 0;    // this process
  double client_wait_s = 0;   // this thread, runnable but waiting for a CPU
  double owner_cpu_s = 0;     // the owner's threads on a CPU
  double owner_wait_s = 0;    // the owner's threads runnable but waiting for a CPU
  double owner_switches = 0;  // context switches of the owner's threads

  Usage& operator+=(const Usage& o) {
    wall_s += o.wall_s;
    client_cpu_s += o.client_cpu_s;
    client_wait_s += o.client_wait_s;
    owner_cpu_s += o.owner_cpu_s;
    owner_wait_s += o.owner_wait_s;
    owner_switches += o.owner_switches;
    return *this;
  }
};

class Meter {
 public:
  // NotFound if the owner process is gone.
  static absl::StatusOr<Meter> Start(pid_t owner) {
    Meter m;
    m.owner_ = owner;
    absl::StatusOr<SchedStat> o = ProcessSchedStatOf(owner);
    if (!o.ok()) return o.status();
    m.owner0_ = *o;
    absl::StatusOr<uint64_t> switches = ProcessContextSwitchesOf(owner);
    if (!switches.ok()) return switches.status();
    m.switches0_ = *switches;
    m.client_wait0_ = ThreadSchedStat().wait_s;
    m.client_cpu0_ = ProcessCpuSeconds();
    m.wall0_ = WallSeconds();
    return m;
  }
  absl::StatusOr<Usage> Read() const {
    Usage u;
    u.wall_s = WallSeconds() - wall0_;
    u.client_cpu_s = ProcessCpuSeconds() - client_cpu0_;
    u.client_wait_s = ThreadSchedStat().wait_s - client_wait0_;
    absl::StatusOr<SchedStat> o = ProcessSchedStatOf(owner_);
    if (!o.ok()) return o.status();
    u.owner_cpu_s = o->run_s - owner0_.run_s;
    u.owner_wait_s = o->wait_s - owner0_.wait_s;
    absl::StatusOr<uint64_t> switches = ProcessContextSwitchesOf(owner_);
    if (!switches.ok()) return switches.status();
    u.owner_switches = static_cast<double>(*switches - switches0_);
    return u;
  }

 private:
  pid_t owner_ = 0;
  SchedStat owner0_;
  uint64_t switches0_ = 0;
  double client_cpu0_ = 0, client_wait0_ = 0, wall0_ = 0;
};

// The calls of one kind of block, over all rounds.
struct Tally {
  std::vector<double> ms;  // one per call
  Usage usage;
  std::vector<double> round_rates;  // calls per second of wall time, per round

  void Add(std::vector<double> block_ms, const Usage& block) {
    round_rates.push_back(static_cast<double>(block_ms.size()) / block.wall_s);
    ms.insert(ms.end(), block_ms.begin(), block_ms.end());
    usage += block;
  }
  double calls() const { return static_cast<double>(ms.size()); }
  double rate() const { return calls() / usage.wall_s; }
  double PerCallMs(double seconds) const { return seconds * 1e3 / calls(); }
};

struct Owner {
  TargetSpec spec;
  std::unique_ptr<Target> target;
  Tally latency, throughput, dial_one, dial_parallel;
};

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "partner_bench: %s: %s\n", std::string(what).c_str(),
               std::string(status.message()).c_str());
  return 1;
}

// Waits for `promise`; a rejection becomes a Status.
template <typename T>
absl::StatusOr<T> Wait(kj::Promise<T> promise, kj::WaitScope& wait_scope) {
  std::optional<T> value;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] { value = promise.wait(wait_scope); })) {
    return ExceptionToStatus(*e);
  }
  return *std::move(value);
}

absl::Status Wait(kj::Promise<void> promise, kj::WaitScope& wait_scope) {
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] { promise.wait(wait_scope); })) {
    return ExceptionToStatus(*e);
  }
  return absl::OkStatus();
}

// Asks on connection `c` until `deadline`, one call at a time, recording each call's latency.
kj::Promise<void> KeepAsking(Target& target, int c, double deadline, std::vector<double>* ms) {
  const double t0 = WallSeconds();
  return target.Ask(c).then([&target, c, deadline, ms, t0](QueryResult) -> kj::Promise<void> {
    const double now = WallSeconds();
    ms->push_back((now - t0) * 1e3);
    if (now >= deadline) return kj::READY_NOW;
    return KeepAsking(target, c, deadline, ms);
  });
}

// Dials until `*remaining` dials have been started, one at a time.
kj::Promise<void> KeepDialing(Target& target, int* remaining, std::vector<double>* ms) {
  if (*remaining <= 0) return kj::READY_NOW;
  --*remaining;
  const double t0 = WallSeconds();
  return target.Dial().then([&target, remaining, ms, t0] {
    ms->push_back((WallSeconds() - t0) * 1e3);
    return KeepDialing(target, remaining, ms);
  });
}

absl::Status LatencyBlock(Owner& owner, int queries, kj::WaitScope& wait_scope) {
  absl::StatusOr<Meter> meter = Meter::Start(owner.spec.pid);
  if (!meter.ok()) return meter.status();
  std::vector<double> ms;
  ms.reserve(queries);
  for (int i = 0; i < queries; ++i) {
    const double t0 = WallSeconds();
    absl::StatusOr<QueryResult> r = Wait(owner.target->Ask(0), wait_scope);
    if (!r.ok()) return r.status();
    ms.push_back((WallSeconds() - t0) * 1e3);
  }
  absl::StatusOr<Usage> usage = meter->Read();
  if (!usage.ok()) return usage.status();
  owner.latency.Add(std::move(ms), *usage);
  return absl::OkStatus();
}

absl::Status ThroughputBlock(Owner& owner, const Flags& flags, kj::WaitScope& wait_scope) {
  absl::StatusOr<Meter> meter = Meter::Start(owner.spec.pid);
  if (!meter.ok()) return meter.status();
  std::vector<double> ms;
  const double deadline = WallSeconds() + flags.throughput_seconds;
  auto loops = kj::heapArrayBuilder<kj::Promise<void>>(flags.in_flight);
  for (int i = 0; i < flags.in_flight; ++i) {
    loops.add(KeepAsking(*owner.target, i % flags.connections, deadline, &ms));
  }
  absl::Status done = Wait(kj::joinPromises(loops.finish()), wait_scope);
  if (!done.ok()) return done;
  absl::StatusOr<Usage> usage = meter->Read();
  if (!usage.ok()) return usage.status();
  owner.throughput.Add(std::move(ms), *usage);
  return absl::OkStatus();
}

absl::Status DialBlock(Owner& owner, int parallel, int dials, Tally* tally,
                       kj::WaitScope& wait_scope) {
  absl::StatusOr<Meter> meter = Meter::Start(owner.spec.pid);
  if (!meter.ok()) return meter.status();
  std::vector<double> ms;
  int remaining = dials;
  auto loops = kj::heapArrayBuilder<kj::Promise<void>>(parallel);
  for (int i = 0; i < parallel; ++i) loops.add(KeepDialing(*owner.target, &remaining, &ms));
  absl::Status done = Wait(kj::joinPromises(loops.finish()), wait_scope);
  if (!done.ok()) return done;
  absl::StatusOr<Usage> usage = meter->Read();
  if (!usage.ok()) return usage.status();
  tally->Add(std::move(ms), *usage);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in.is_open()) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void PrintOwner(const Owner& o, const Flags& flags) {
  const Tally& l = o.latency;
  const Tally& t = o.throughput;
  const LatencySummary ls = Summarize(l.ms);
  const LatencySummary ts = Summarize(t.ms);
  const auto [min_rate, max_rate] = std::minmax_element(t.round_rates.begin(), t.round_rates.end());
  std::printf("%s (%s, %s, pid %d)\n", o.spec.name.c_str(),
              o.spec.secured ? "mutual TLS, signed and sealed" : "clear baseline",
              o.spec.endpoint.c_str(), static_cast<int>(o.spec.pid));
  std::printf(
      "  round trip, one at a time: p50 %.3f ms, p99 %.3f ms, mean %.3f ms (%zu calls); CPU per "
      "call: requester %.3f ms, owner %.3f ms; owner waited for a CPU %.3f ms and switched "
      "threads %.1f times per call\n",
      ls.p50, ls.p99, ls.mean, ls.runs, l.PerCallMs(l.usage.client_cpu_s),
      l.PerCallMs(l.usage.owner_cpu_s), l.PerCallMs(l.usage.owner_wait_s),
      l.usage.owner_switches / l.calls());
  std::printf(
      "  %d in flight over %d connections: %.0f answers/s (rounds %.0f..%.0f), latency p50 %.3f "
      "ms, p99 %.3f ms; CPU per call: requester %.3f ms, owner %.3f ms; owner waited %.3f ms "
      "and switched %.1f times per call\n",
      flags.in_flight, flags.connections, t.rate(), *min_rate, *max_rate, ts.p50, ts.p99,
      t.PerCallMs(t.usage.client_cpu_s), t.PerCallMs(t.usage.owner_cpu_s),
      t.PerCallMs(t.usage.owner_wait_s), t.usage.owner_switches / t.calls());
  if (flags.dials > 0) {
    const Tally& d1 = o.dial_one;
    const Tally& dp = o.dial_parallel;
    Usage both = d1.usage;
    both += dp.usage;
    const double dials = d1.calls() + dp.calls();
    std::printf(
        "  new connections: %.0f/s one at a time (p50 %.3f ms), %.0f/s with %d in parallel; CPU "
        "per connection: requester %.3f ms, owner %.3f ms\n",
        d1.rate(), Summarize(d1.ms).p50, dp.rate(), flags.parallel_dials,
        both.client_cpu_s * 1e3 / dials, both.owner_cpu_s * 1e3 / dials);
  }
  std::printf(
      "RESULT target=%s secured=%d lat_runs=%zu lat_p50_ms=%.4f lat_p99_ms=%.4f lat_mean_ms=%.4f "
      "lat_client_cpu_ms=%.4f lat_owner_cpu_ms=%.4f lat_owner_wait_ms=%.4f "
      "lat_client_wait_ms=%.4f tput_qps=%.1f tput_min_qps=%.1f tput_max_qps=%.1f tput_runs=%zu "
      "tput_p50_ms=%.4f tput_p99_ms=%.4f tput_client_cpu_ms=%.4f tput_owner_cpu_ms=%.4f "
      "tput_owner_wait_ms=%.4f tput_client_wait_ms=%.4f lat_owner_switches=%.2f "
      "tput_owner_switches=%.2f",
      o.spec.name.c_str(), o.spec.secured ? 1 : 0, ls.runs, ls.p50, ls.p99, ls.mean,
      l.PerCallMs(l.usage.client_cpu_s), l.PerCallMs(l.usage.owner_cpu_s),
      l.PerCallMs(l.usage.owner_wait_s), l.PerCallMs(l.usage.client_wait_s), t.rate(), *min_rate,
      *max_rate, ts.runs, ts.p50, ts.p99, t.PerCallMs(t.usage.client_cpu_s),
      t.PerCallMs(t.usage.owner_cpu_s), t.PerCallMs(t.usage.owner_wait_s),
      t.PerCallMs(t.usage.client_wait_s), l.usage.owner_switches / l.calls(),
      t.usage.owner_switches / t.calls());
  if (flags.dials > 0) {
    const Tally& d1 = o.dial_one;
    const Tally& dp = o.dial_parallel;
    std::printf(
        " dial_one_per_s=%.1f dial_one_p50_ms=%.4f dial_par_per_s=%.1f dial_client_cpu_ms=%.4f "
        "dial_owner_cpu_ms=%.4f",
        d1.rate(), Summarize(d1.ms).p50, dp.rate(),
        (d1.usage.client_cpu_s + dp.usage.client_cpu_s) * 1e3 / (d1.calls() + dp.calls()),
        (d1.usage.owner_cpu_s + dp.usage.owner_cpu_s) * 1e3 / (d1.calls() + dp.calls()));
  }
  std::printf("\n");
}

int Run(const Flags& flags) {
  auto io = kj::setupAsyncIo();
  absl::StatusOr<ParticipantIdentity> me = LoadParticipantIdentity(DataDir(flags.me));
  if (!me.ok()) return Fail("requester identity", me.status());
  const Query query = YearSumByMonthAndProduct(flags.year);

  std::vector<Owner> owners;
  for (const std::string& text : flags.targets) {
    absl::StatusOr<TargetSpec> spec = ParseTargetSpec(text);
    if (!spec.ok()) return Fail("--target", spec.status());
    Owner owner;
    owner.spec = *spec;
    if (spec->secured) {
      absl::StatusOr<std::string> pem = ReadFile(spec->certificate_file);
      if (!pem.ok()) return Fail(spec->name, pem.status());
      absl::StatusOr<std::unique_ptr<Target>> t =
          MakeSecuredTarget(io, *me, *pem, spec->endpoint, query);
      if (!t.ok()) return Fail(spec->name, t.status());
      owner.target = *std::move(t);
    } else {
      owner.target = MakeClearTarget(io, spec->endpoint, query);
    }
    owners.push_back(std::move(owner));
  }

  // Connections, warm-up, and the same answer from every owner.
  std::optional<std::vector<GroupedSum>> expected;
  for (Owner& o : owners) {
    absl::Status connected = o.target->Connect(flags.connections);
    if (!connected.ok()) return Fail(o.spec.name, connected);
    for (int c = 0; c < flags.connections; ++c) {
      for (int i = 0; i < std::max(1, flags.warmup); ++i) {
        absl::StatusOr<QueryResult> r = Wait(o.target->Ask(c), io.waitScope);
        if (!r.ok()) return Fail(absl::StrCat(o.spec.name, ": warm-up query"), r.status());
        if (c > 0 || i > 0) continue;
        absl::StatusOr<std::vector<GroupedSum>> rows = FromQueryResult(*r);
        if (!rows.ok()) return Fail(o.spec.name, rows.status());
        if (!expected) {
          expected = *rows;
          std::printf("%s answered %zu groups\n", o.spec.name.c_str(), rows->size());
          continue;
        }
        absl::Status same = CompareAnswers(*expected, *rows, 0.0);
        if (!same.ok()) {
          return Fail(
              absl::StrCat(o.spec.name, "'s answer differs from ", owners[0].spec.name, "'s"),
              same);
        }
        std::printf("%s answered the same %zu groups, bit for bit\n", o.spec.name.c_str(),
                    rows->size());
      }
    }
  }

  // Each round visits the owners `passes` times, starting one owner later each time.
  const size_t n = owners.size();
  auto each_round = [&](const char* what, int passes, auto&& block) -> absl::Status {
    for (int round = 0; round < flags.rounds; ++round) {
      for (int pass = 0; pass < passes; ++pass) {
        for (size_t k = 0; k < n; ++k) {
          Owner& o = owners[(k + round * passes + pass) % n];
          absl::Status s = block(o, pass);
          if (!s.ok()) {
            return absl::Status(s.code(), absl::StrCat(o.spec.name, ", ", what, ", round ",
                                                       round + 1, ": ", s.message()));
          }
        }
      }
    }
    return absl::OkStatus();
  };
  // Latency: each round's queries in blocks of --latency-block, the owners taking turns.
  const int block = std::min(flags.latency_block, flags.latency_queries);
  const int passes = (flags.latency_queries + block - 1) / block;
  absl::Status s = each_round("latency", passes, [&](Owner& o, int pass) {
    return LatencyBlock(o, std::min(block, flags.latency_queries - pass * block), io.waitScope);
  });
  if (s.ok()) {
    s = each_round("throughput", 1,
                   [&](Owner& o, int) { return ThroughputBlock(o, flags, io.waitScope); });
  }
  if (s.ok() && flags.dials > 0) {
    s = each_round("connections", 1, [&](Owner& o, int) {
      absl::Status one = DialBlock(o, 1, flags.dials, &o.dial_one, io.waitScope);
      if (!one.ok()) return one;
      return DialBlock(o, flags.parallel_dials, flags.dials, &o.dial_parallel, io.waitScope);
    });
  }
  if (!s.ok()) return Fail("measuring", s);

  std::printf("sum(%s) over %d by month and product; %d rounds, owners visited in rotated order\n",
              kYearQueryMetric, flags.year, flags.rounds);
  for (const Owner& o : owners) PrintOwner(o, flags);
  return 0;
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  cairn::Flags flags;
  CLI::App app{"partner_bench: issue 3's partner round trip against several owners"};
  app.add_option("--me", flags.me, "the requester's data dir (its identity)")->required();
  app.add_option("--target", flags.targets,
                 "NAME=secured,HOST:PORT,PID,CERT_FILE or NAME=clear,HOST:PORT,PID")
      ->required();
  app.add_option("--year", flags.year, "the calendar year queried")->capture_default_str();
  app.add_option("--rounds", flags.rounds)->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--latency-queries", flags.latency_queries, "per owner and round")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--latency-block", flags.latency_block, "queries an owner gets in a row")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--warmup", flags.warmup, "untimed queries per connection first")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  app.add_option("--throughput-seconds", flags.throughput_seconds, "per owner and round")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--in-flight", flags.in_flight, "concurrent requesters")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--connections", flags.connections, "connections they share")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--dials", flags.dials, "new connections per owner, round and way (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  app.add_option("--parallel-dials", flags.parallel_dials, "connections opened at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  CLI11_PARSE(app, argc, argv);
  return cairn::Run(flags);
}
