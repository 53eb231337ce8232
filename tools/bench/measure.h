// Clocks, latency percentiles and /proc readings shared by the benchmark programs in
// tools/bench (docs/BENCHMARKS.md explains how they are used).
//
// Wall time comes from the steady clock; CPU time from the kernel's per-thread and
// per-process accounting, which a busy, shared machine disturbs much less than wall time.
// Functions are thread-safe; a LatencySummary is a plain value.
#ifndef CAIRN_TOOLS_BENCH_MEASURE_H_
#define CAIRN_TOOLS_BENCH_MEASURE_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cairn {

// Seconds on the steady clock (an arbitrary origin: use differences).
double WallSeconds();
// CPU seconds (user + system) of the calling thread.
double ThreadCpuSeconds();
// CPU seconds (user + system) of this process, all threads together.
double ProcessCpuSeconds();
// CPU seconds (user + system) of process `pid`, all threads together, from /proc/PID/stat.
// NotFound if there is no such process; DataLoss if the file cannot be parsed.
absl::StatusOr<double> ProcessCpuSecondsOf(pid_t pid);
// A field of /proc/PID/status in KiB ("VmHWM", "VmRSS"). NotFound for a missing process or
// field.
absl::StatusOr<long> ProcStatusKiB(pid_t pid, const std::string& field);

// Scheduler accounting of one thread (/proc/.../schedstat): time on a CPU, and time it was
// runnable but waiting for a CPU, which on a shared machine is the time other processes took.
// Wall time minus both is time the thread was blocked (I/O such as fsync, locks, input).
struct SchedStat {
  double run_s = 0;
  double wait_s = 0;
};
// Of the calling thread. All zero if the kernel does not provide schedstat.
SchedStat ThreadSchedStat();
// Of process `pid`: the sum over the threads it has now (/proc/PID/task/*/schedstat), so
// threads that already exited are missing. For long-lived threads (a daemon's), the
// difference between two readings is what they ran and waited in between. NotFound if there
// is no such process; all zero if the kernel does not provide schedstat.
absl::StatusOr<SchedStat> ProcessSchedStatOf(pid_t pid);
// Context switches of process `pid` (voluntary: it blocked or slept; involuntary: it was
// preempted), summed over the threads it has now as ProcessSchedStatOf does. NotFound if there
// is no such process.
absl::StatusOr<uint64_t> ProcessContextSwitchesOf(pid_t pid);

// Order statistics of latency samples, in the samples' unit. Percentiles are nearest-rank:
// the p-th percentile is the smallest sample with at least p% of the samples at or below it.
struct LatencySummary {
  size_t runs = 0;
  double p50 = 0, p99 = 0, min = 0, max = 0, mean = 0;
};
// All zero for no samples.
LatencySummary Summarize(std::vector<double> samples);

}  // namespace cairn

#endif  // CAIRN_TOOLS_BENCH_MEASURE_H_
