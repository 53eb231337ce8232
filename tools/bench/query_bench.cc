// query_bench: issue 2's query latency through a running cairnd, over its admin RPC.
//
//   query_bench --data-dir DIR [--year 2025] [--runs 1000] [--warmup 20] [--answer-out FILE]
//
// Connects as cairnctl does (tools/cairnctl/admin_client.h) and sends the year-long
// sum(energy) by month and product (year_query.h) --runs times, one after another, timing
// each round trip on the steady clock: request encoding, the Unix socket, cairnd's worker hop
// and engine, the reply and its decoding. Then the same with ragged edges (raw records at the
// ends). Reports p50 / p99 / mean latency, the client thread's CPU per query and cairnd's CPU
// per query (from /proc/PID/stat, all of its threads: on a shared machine the CPU figures
// show the cost even when wall time is disturbed). --answer-out writes the year query's answer
// as CSV for comparison with the peers. Prints one "RESULT key=value ..." line for
// tools/bench/run.sh. Single-threaded.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "tools/bench/measure.h"
#include "tools/bench/year_query.h"
#include "tools/cairnctl/admin_client.h"

namespace cairn {
namespace {

struct Flags {
  std::string data_dir;
  int year = 2025;
  int runs = 1000;
  int warmup = 20;
  std::string answer_out;
};

struct Timing {
  LatencySummary wall_ms;
  double client_cpu_ms = 0;  // per query, mean
  double daemon_cpu_ms = 0;  // per query, mean
  QueryResult last;
};

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "query_bench: %s: %s\n", std::string(what).c_str(),
               std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<Timing> Time(AdminClient& client, pid_t daemon, const Query& query,
                            const Flags& flags) {
  Timing t;
  for (int i = 0; i < flags.warmup; ++i) {
    absl::StatusOr<QueryResult> r = client.RunQuery(query);
    if (!r.ok()) return r.status();
  }
  absl::StatusOr<double> daemon_cpu0 = ProcessCpuSecondsOf(daemon);
  if (!daemon_cpu0.ok()) return daemon_cpu0.status();
  const double client_cpu0 = ThreadCpuSeconds();
  std::vector<double> ms;
  ms.reserve(flags.runs);
  for (int i = 0; i < flags.runs; ++i) {
    const double t0 = WallSeconds();
    absl::StatusOr<QueryResult> r = client.RunQuery(query);
    ms.push_back((WallSeconds() - t0) * 1e3);
    if (!r.ok()) return r.status();
    if (i + 1 == flags.runs) t.last = *std::move(r);
  }
  absl::StatusOr<double> daemon_cpu1 = ProcessCpuSecondsOf(daemon);
  if (!daemon_cpu1.ok()) return daemon_cpu1.status();
  t.client_cpu_ms = (ThreadCpuSeconds() - client_cpu0) * 1e3 / flags.runs;
  t.daemon_cpu_ms = (*daemon_cpu1 - *daemon_cpu0) * 1e3 / flags.runs;
  t.wall_ms = Summarize(std::move(ms));
  return t;
}

void Print(const char* name, const Timing& t) {
  std::printf(
      "  %-13s p50 %.3f ms, p99 %.3f ms, mean %.3f ms, min %.3f ms (%zu runs); CPU per query:"
      " cairnd %.3f ms, client %.3f ms; %zu rows, %llu series, %llu rollup buckets, %llu raw"
      " records\n",
      name, t.wall_ms.p50, t.wall_ms.p99, t.wall_ms.mean, t.wall_ms.min, t.wall_ms.runs,
      t.daemon_cpu_ms, t.client_cpu_ms, t.last.rows.size(),
      static_cast<unsigned long long>(t.last.stats.series),
      static_cast<unsigned long long>(t.last.stats.rollup_buckets),
      static_cast<unsigned long long>(t.last.stats.raw_records));
}

int Run(const Flags& flags) {
  absl::StatusOr<std::unique_ptr<AdminClient>> client = AdminClient::Connect(flags.data_dir);
  if (!client.ok()) return Fail("connect", client.status());
  absl::StatusOr<DaemonStatusInfo> status = (*client)->Status();
  if (!status.ok()) return Fail("status", status.status());
  const pid_t daemon = static_cast<pid_t>(status->pid);

  absl::StatusOr<Timing> aligned =
      Time(**client, daemon, YearSumByMonthAndProduct(flags.year), flags);
  if (!aligned.ok()) return Fail("year query", aligned.status());
  absl::StatusOr<Timing> ragged =
      Time(**client, daemon, RaggedYearSumByMonthAndProduct(flags.year), flags);
  if (!ragged.ok()) return Fail("ragged query", ragged.status());

  absl::StatusOr<std::vector<GroupedSum>> answer = FromQueryResult(aligned->last);
  if (!answer.ok()) return Fail("year query", answer.status());
  if (!flags.answer_out.empty()) {
    std::ofstream out(flags.answer_out);
    out << FormatCsv(*answer);
    if (!out.flush()) return Fail(flags.answer_out, absl::DataLossError("cannot write"));
  }

  std::printf(
      "cairnd (pid %d, %llu records) via the admin RPC, sum(energy) by month and product:\n",
      static_cast<int>(daemon), static_cast<unsigned long long>(status->records));
  Print("year:", *aligned);
  Print("ragged edges:", *ragged);
  std::printf(
      "RESULT runs=%d p50_ms=%.4f p99_ms=%.4f mean_ms=%.4f daemon_cpu_ms=%.4f client_cpu_ms=%.4f "
      "rows=%zu rollup_buckets=%llu ragged_p50_ms=%.4f ragged_p99_ms=%.4f "
      "ragged_daemon_cpu_ms=%.4f ragged_raw_records=%llu\n",
      flags.runs, aligned->wall_ms.p50, aligned->wall_ms.p99, aligned->wall_ms.mean,
      aligned->daemon_cpu_ms, aligned->client_cpu_ms, aligned->last.rows.size(),
      static_cast<unsigned long long>(aligned->last.stats.rollup_buckets), ragged->wall_ms.p50,
      ragged->wall_ms.p99, ragged->daemon_cpu_ms,
      static_cast<unsigned long long>(ragged->last.stats.raw_records));
  return 0;
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  cairn::Flags flags;
  CLI::App app{"query_bench: issue 2's year-long query through a running cairnd"};
  app.add_option("-d,--data-dir", flags.data_dir, "the running cairnd's data dir")->required();
  app.add_option("--year", flags.year, "the calendar year queried")->capture_default_str();
  app.add_option("--runs", flags.runs, "timed queries per variant")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--warmup", flags.warmup, "untimed queries first")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  app.add_option("--answer-out", flags.answer_out, "write the year query's answer here (CSV)");
  CLI11_PARSE(app, argc, argv);
  return cairn::Run(flags);
}
