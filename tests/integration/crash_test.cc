// Kill -9 the daemon at random moments during imports, 20 times. After each restart every
// batch acknowledged before the kill must be present in full, the batch in flight must be
// fully present or fully absent, a series rewritten by every batch must hold one batch's
// values throughout (atomic replace), and rollups must equal the raw records.
#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/integration/harness.h"

namespace cairn::testing {
namespace {

constexpr int kRounds = 20;
constexpr int kSeriesPerBatch = 4;
constexpr int kPointsPerSeries = 5000;                // 20k new points per batch
constexpr int kSharedPoints = 2000;                   // rewritten by every batch
constexpr Timestamp kStart = 1767225600LL * 1000000;  // 2026-01-01
constexpr Timestamp kMinute = 60LL * 1000000;

RecordBatch MakeBatch(int64_t id) {
  RecordBatch batch;
  for (int s = 0; s < kSeriesPerBatch; ++s) {
    batch.series.push_back(
        {"energy", {{"batch", absl::StrCat(id)}, {"line", absl::StrCat("L", s)}}});
    for (int i = 0; i < kPointsPerSeries; ++i) {
      batch.points.push_back({static_cast<uint32_t>(s), kStart + i * kMinute, 1.0 + i % 7});
    }
  }
  batch.series.push_back({"water", {{"line", "shared"}}});
  for (int i = 0; i < kSharedPoints; ++i) {
    batch.points.push_back({kSeriesPerBatch, kStart + i * kMinute, static_cast<double>(id)});
  }
  return batch;
}

// Records per batch id, from a count query grouped by the batch tag.
std::map<std::string, uint64_t> CountsByBatch(AdminClient& client) {
  Query q;
  q.metric = "energy";
  q.aggregate = Aggregate::kCount;
  q.group_tags = {"batch"};
  absl::StatusOr<QueryResult> r = client.RunQuery(q);
  EXPECT_TRUE(r.ok()) << r.status();
  std::map<std::string, uint64_t> counts;
  if (r.ok()) {
    for (const ResultRow& row : r->rows) counts[row.tags[0]] = row.records;
  }
  return counts;
}

double SharedAggregate(AdminClient& client, Aggregate agg) {
  Query q;
  q.metric = "water";
  q.aggregate = agg;
  absl::StatusOr<QueryResult> r = client.RunQuery(q);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() && !r->rows.empty() ? r->rows[0].value.value_or(-1) : -1;
}

TEST(Crash, AcknowledgedBatchesSurviveKillNineAndNoneIsPartial) {
  std::string dir = InitDataDir("crash");
  uint64_t seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::set<int64_t> acked;
  std::set<int64_t> in_doubt;  // sent when the daemon died: all or nothing
  int64_t next_id = 0;
  int kills_during_import = 0;
  int in_doubt_committed = 0;

  for (int round = 0; round <= kRounds; ++round) {
    DaemonProcess daemon(dir);
    ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
    auto client = daemon.Connect();
    ASSERT_TRUE(client.ok()) << client.status();

    // Everything acknowledged so far is there, in full; nothing is partial.
    std::map<std::string, uint64_t> counts = CountsByBatch(**client);
    for (int64_t id : acked) {
      EXPECT_EQ(counts[absl::StrCat(id)], uint64_t{kSeriesPerBatch * kPointsPerSeries})
          << "acknowledged batch " << id << " after round " << round;
    }
    for (const auto& [id, n] : counts) {
      EXPECT_EQ(n, uint64_t{kSeriesPerBatch * kPointsPerSeries}) << "partial batch " << id;
    }
    if (!acked.empty() || !counts.empty()) {
      EXPECT_EQ(SharedAggregate(**client, Aggregate::kMin),
                SharedAggregate(**client, Aggregate::kMax))
          << "a rewrite of the shared series was applied partially";
    }
    EXPECT_TRUE((*client)->CheckConsistency().ok()) << "rollups differ from raw records";
    for (int64_t id : in_doubt) {
      if (counts.count(absl::StrCat(id))) {
        acked.insert(id);
        ++in_doubt_committed;
      }
    }
    in_doubt.clear();
    if (round == kRounds) break;

    // Import until a kill at a random moment.
    int delay_ms = std::uniform_int_distribution<int>(30, 600)(rng);
    pid_t pid = daemon.pid();
    std::thread killer([pid, delay_ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      kill(pid, SIGKILL);
    });
    while (true) {
      int64_t id = next_id++;
      RecordBatch batch = MakeBatch(id);
      absl::Status sent = (*client)->Guard([&]() -> absl::Status {
        (*client)->SendBatch(batch).wait((*client)->wait_scope());
        return absl::OkStatus();
      });
      if (!sent.ok()) {
        in_doubt.insert(id);
        ++kills_during_import;
        break;
      }
      acked.insert(id);
    }
    killer.join();
    client->reset();
    daemon.Kill();
  }
  std::cout << "seed " << seed << ": " << kills_during_import << " kills during import, "
            << acked.size() << " batches durable (" << in_doubt_committed
            << " of them in flight at the kill)\n";
  EXPECT_EQ(kills_during_import, kRounds);
  EXPECT_GT(acked.size(), 0u);
}

}  // namespace
}  // namespace cairn::testing
