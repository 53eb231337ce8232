#include "tools/bench/measure.h"

#include <unistd.h>

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

TEST(SummarizeTest, PercentilesAreNearestRank) {
  std::vector<double> samples;
  for (int i = 100; i >= 1; --i) samples.push_back(i);  // 1..100, unsorted
  LatencySummary s = Summarize(samples);
  EXPECT_EQ(s.runs, 100u);
  EXPECT_EQ(s.p50, 50);
  EXPECT_EQ(s.p99, 99);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 100);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
}

TEST(SummarizeTest, FewSamples) {
  LatencySummary one = Summarize({7});
  EXPECT_EQ(one.p50, 7);
  EXPECT_EQ(one.p99, 7);
  LatencySummary two = Summarize({3, 1});
  EXPECT_EQ(two.p50, 1);  // the smallest sample with half the samples at or below it
  EXPECT_EQ(two.p99, 3);
}

TEST(SummarizeTest, NoSamplesGiveZeros) {
  LatencySummary s = Summarize({});
  EXPECT_EQ(s.runs, 0u);
  EXPECT_EQ(s.p50, 0);
}

TEST(CpuClockTest, BusyWorkShowsOnTheThreadAndProcessClocks) {
  const double thread0 = ThreadCpuSeconds(), process0 = ProcessCpuSeconds();
  volatile double sink = 0;
  for (int i = 0; i < 20'000'000; ++i) sink = sink + i * 0.5;
  const double thread = ThreadCpuSeconds() - thread0;
  EXPECT_GT(thread, 0.001);
  EXPECT_GE(ProcessCpuSeconds() - process0, thread * 0.99);
}

TEST(SchedStatTest, RunTimeFollowsTheThreadCpuClock) {
  const SchedStat before = ThreadSchedStat();
  if (before.run_s == 0) GTEST_SKIP() << "no /proc/thread-self/schedstat on this kernel";
  const double cpu0 = ThreadCpuSeconds();
  volatile double sink = 0;
  for (int i = 0; i < 50'000'000; ++i) sink = sink + i * 0.5;
  const SchedStat after = ThreadSchedStat();
  EXPECT_NEAR(after.run_s - before.run_s, ThreadCpuSeconds() - cpu0, 0.02);
  EXPECT_GE(after.wait_s, before.wait_s);
}

TEST(ProcTest, OwnProcessCpuMatchesTheKernelClock) {
  volatile double sink = 0;
  for (int i = 0; i < 50'000'000; ++i) sink = sink + i * 0.5;
  absl::StatusOr<double> from_proc = ProcessCpuSecondsOf(getpid());
  ASSERT_TRUE(from_proc.ok()) << from_proc.status();
  // /proc counts in clock ticks (usually 10 ms).
  EXPECT_NEAR(*from_proc, ProcessCpuSeconds(), 0.05);
}

TEST(ProcTest, ProcessSchedStatSumsTheThreads) {
  absl::StatusOr<SchedStat> before = ProcessSchedStatOf(getpid());
  ASSERT_TRUE(before.ok()) << before.status();
  if (before->run_s == 0) GTEST_SKIP() << "no schedstat on this kernel";
  const double cpu0 = ProcessCpuSeconds();
  volatile double sink = 0;
  for (int i = 0; i < 50'000'000; ++i) sink = sink + i * 0.5;
  absl::StatusOr<SchedStat> after = ProcessSchedStatOf(getpid());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NEAR(after->run_s - before->run_s, ProcessCpuSeconds() - cpu0, 0.02);
  EXPECT_GE(after->wait_s, before->wait_s);
  EXPECT_EQ(ProcessSchedStatOf(1 << 23).status().code(), absl::StatusCode::kNotFound);
}

TEST(ProcTest, SleepingCountsAsAContextSwitch) {
  absl::StatusOr<uint64_t> before = ProcessContextSwitchesOf(getpid());
  ASSERT_TRUE(before.ok()) << before.status();
  for (int i = 0; i < 5; ++i) usleep(1000);
  absl::StatusOr<uint64_t> after = ProcessContextSwitchesOf(getpid());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_GE(*after - *before, 5u);
  EXPECT_EQ(ProcessContextSwitchesOf(1 << 23).status().code(), absl::StatusCode::kNotFound);
}

TEST(ProcTest, OwnRssIsReported) {
  absl::StatusOr<long> rss = ProcStatusKiB(getpid(), "VmRSS");
  ASSERT_TRUE(rss.ok()) << rss.status();
  EXPECT_GT(*rss, 0);
  absl::StatusOr<long> peak = ProcStatusKiB(getpid(), "VmHWM");
  ASSERT_TRUE(peak.ok()) << peak.status();
  EXPECT_GE(*peak, *rss);
}

TEST(ProcTest, MissingProcessOrFieldIsNotFound) {
  // pid_max is at most 2^22 on Linux: this pid cannot exist.
  EXPECT_EQ(ProcessCpuSecondsOf(1 << 23).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ProcStatusKiB(1 << 23, "VmRSS").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ProcStatusKiB(getpid(), "NoSuchField").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cairn
