#include "tools/bench/measure.h"

#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <numeric>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace cairn {
namespace {

double ClockSeconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The sample with at least `fraction` of the (sorted) samples at or below it.
double NearestRank(const std::vector<double>& sorted, double fraction) {
  size_t rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// A schedstat file: nanoseconds on a CPU, nanoseconds runnable but waiting. Zero if absent
// (the thread exited, or the kernel has no schedstat).
SchedStat SchedStatFile(const std::string& path) {
  std::ifstream in(path);
  unsigned long long run_ns = 0, wait_ns = 0;
  if (!(in >> run_ns >> wait_ns)) return SchedStat{};
  return SchedStat{static_cast<double>(run_ns) * 1e-9, static_cast<double>(wait_ns) * 1e-9};
}

// Calls `f` with "/proc/PID/task/TID" for each thread of `pid`. NotFound if there is no such
// process.
template <typename F>
absl::Status ForEachThread(pid_t pid, F f) {
  std::string tasks = absl::StrCat("/proc/", pid, "/task");
  DIR* dir = opendir(tasks.c_str());
  if (dir == nullptr) return absl::NotFoundError(absl::StrCat("cannot read ", tasks));
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') f(absl::StrCat(tasks, "/", entry->d_name));
  }
  closedir(dir);
  return absl::OkStatus();
}

}  // namespace

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double ThreadCpuSeconds() { return ClockSeconds(CLOCK_THREAD_CPUTIME_ID); }

double ProcessCpuSeconds() { return ClockSeconds(CLOCK_PROCESS_CPUTIME_ID); }

absl::StatusOr<double> ProcessCpuSecondsOf(pid_t pid) {
  std::string path = absl::StrCat("/proc/", pid, "/stat");
  std::ifstream in(path);
  if (!in.is_open()) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Field 2, the command name, is in parentheses and may hold spaces: split after the last
  // ')'. What follows is field 3 onwards; utime and stime are fields 14 and 15.
  size_t close = text.rfind(')');
  std::vector<absl::string_view> fields;
  if (close != std::string::npos) {
    fields = absl::StrSplit(absl::string_view(text).substr(close + 1), ' ', absl::SkipEmpty());
  }
  uint64_t utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::DataLossError(absl::StrCat(path, ": cannot read utime and stime"));
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

absl::StatusOr<long> ProcStatusKiB(pid_t pid, const std::string& field) {
  std::string path = absl::StrCat("/proc/", pid, "/status");
  std::ifstream in(path);
  if (!in.is_open()) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return absl::NotFoundError(absl::StrCat(path, " has no ", field));
}

SchedStat ThreadSchedStat() { return SchedStatFile("/proc/thread-self/schedstat"); }

absl::StatusOr<SchedStat> ProcessSchedStatOf(pid_t pid) {
  SchedStat sum;
  absl::Status s = ForEachThread(pid, [&sum](const std::string& task) {
    SchedStat t = SchedStatFile(task + "/schedstat");
    sum.run_s += t.run_s;
    sum.wait_s += t.wait_s;
  });
  if (!s.ok()) return s;
  return sum;
}

absl::StatusOr<uint64_t> ProcessContextSwitchesOf(pid_t pid) {
  uint64_t sum = 0;
  absl::Status s = ForEachThread(pid, [&sum](const std::string& task) {
    std::ifstream in(task + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
          line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
        sum += std::strtoull(line.c_str() + line.find(':') + 1, nullptr, 10);
      }
    }
  });
  if (!s.ok()) return s;
  return sum;
}

LatencySummary Summarize(std::vector<double> samples) {
  LatencySummary s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.runs = samples.size();
  s.p50 = NearestRank(samples, 0.50);
  s.p99 = NearestRank(samples, 0.99);
  s.min = samples.front();
  s.max = samples.back();
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(s.runs);
  return s;
}

}  // namespace cairn
