// Crash test: a child process applies batches in a loop and reports each acknowledged one
// through a pipe; the parent kills it with SIGKILL at a random moment, reopens the store and
// checks that every acknowledged batch is there, that the batch in flight is wholly in or
// wholly out, and that rollups and the record counter still match the records.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <random>
#include <set>

#include "gtest/gtest.h"
#include "storage/record_store.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FreshTestDir;

constexpr int kFixedSeries = 4;
constexpr int kFixedPoints = 500;     // per fixed series, rewritten by every batch
constexpr int kAppendedPoints = 250;  // new points of the "log" series per batch
constexpr int kMaxBatches = 2000;
const Timestamp kBase = 1767225600LL * kMicrosPerSecond;  // 2026-01-01

// Batch i writes value i to every fixed key and appends kAppendedPoints new keys.
RecordBatch MakeBatch(int i) {
  RecordBatch batch;
  for (int s = 0; s < kFixedSeries; ++s) {
    batch.series.push_back({"energy", {{"line", std::to_string(s)}}});
    for (int k = 0; k < kFixedPoints; ++k) {
      batch.points.push_back(
          {static_cast<uint32_t>(s), kBase + k * 600 * kMicrosPerSecond, static_cast<double>(i)});
    }
  }
  batch.series.push_back({"energy", {{"line", "log"}}});
  for (int k = 0; k < kAppendedPoints; ++k) {
    Timestamp ts = kBase + (static_cast<int64_t>(i) * kAppendedPoints + k) * 60 * kMicrosPerSecond;
    batch.points.push_back({kFixedSeries, ts, static_cast<double>(i)});
  }
  return batch;
}

// Applies batches first, first + 1, ... and writes each number to `ack_fd` once acknowledged.
[[noreturn]] void RunWriter(const std::string& path, int first, int ack_fd) {
  Database::Options options;
  options.path = path;
  auto db = Database::Open(options);
  if (!db.ok()) _exit(2);
  auto store = RecordStore::Open(db->get());
  if (!store.ok()) _exit(3);
  for (int i = first; i < first + kMaxBatches; ++i) {
    if (!(*store)->Apply(MakeBatch(i)).ok()) _exit(4);
    if (write(ack_fd, &i, sizeof i) != sizeof i) _exit(5);
  }
  _exit(0);
}

class CrashTest : public ::testing::Test {
 protected:
  // Forks a writer starting at batch `first`, kills it after `delay`, and returns the last
  // batch it acknowledged (first - 1: none).
  int RunAndKill(int first, std::chrono::microseconds delay) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid_t child = fork();
    if (child == 0) {
      close(fds[0]);
      RunWriter(path_, first, fds[1]);
    }
    close(fds[1]);
    usleep(static_cast<useconds_t>(delay.count()));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself, status " << status;
    int last = first - 1, ack;
    while (read(fds[0], &ack, sizeof ack) == sizeof ack) last = ack;
    close(fds[0]);
    return last;
  }

  // Reopens the store and returns the batch whose values the fixed keys hold, after checking
  // that all of them hold the same one and that the store is consistent.
  int CheckAfterCrash(int acknowledged) {
    Database::Options options;
    options.path = path_;
    auto db = Database::Open(options);
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) return -1;
    auto store = RecordStore::Open(db->get());
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return -1;
    absl::Status consistent = (*store)->CheckConsistency();
    EXPECT_TRUE(consistent.ok()) << consistent;

    auto reader = (*store)->NewReader();
    std::set<double> fixed_values;
    uint64_t log_records = 0;
    for (const auto& s : reader->FindSeries("energy", {})) {
      bool log = s.key->Tag("line") == "log";
      EXPECT_TRUE(reader
                      ->ScanRecords(s.id, kMinTimestamp, kMaxTimestamp,
                                    [&](Timestamp, double v) {
                                      if (log) {
                                        ++log_records;
                                      } else {
                                        fixed_values.insert(v);
                                      }
                                    })
                      .ok());
    }
    EXPECT_LE(fixed_values.size(), 1u) << "a batch was applied partly";
    int applied = fixed_values.empty() ? 0 : static_cast<int>(*fixed_values.begin());
    EXPECT_GE(applied, acknowledged) << "an acknowledged batch was lost";
    EXPECT_EQ((*store)->Stats().records,
              log_records + (applied > 0 ? kFixedSeries * kFixedPoints : 0));
    return applied;
  }

  std::string path_ = FreshTestDir("crash");
};

TEST_F(CrashTest, EachBatchIsWhollyInOrOutAndAcknowledgedOnesSurvive) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(150, 700);
  int previous = 0;
  for (int round = 0; round < 3; ++round) {
    int delay = delay_ms(rng);
    int acknowledged = RunAndKill(previous + 1, std::chrono::milliseconds(delay));
    int applied = CheckAfterCrash(acknowledged);
    std::cout << "round " << round << ": killed after " << delay << " ms; acknowledged "
              << acknowledged << ", found " << applied << std::endl;
    ASSERT_FALSE(HasFailure());
    EXPECT_GE(applied, previous);
    previous = applied;
  }
}

}  // namespace
}  // namespace cairn
