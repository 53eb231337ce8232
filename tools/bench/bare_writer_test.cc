#include "tools/bench/bare_writer.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/record_reader.h"
#include "model/metric_registry.h"
#include "storage/record_store.h"

namespace cairn {
namespace {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Imports CSV text into a RecordStore and writes it with a BareRecordWriter, batch by batch as
// a RecordReader yields them, each into its own fresh database.
class BareRecordWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_db_ = Open("store");
    bare_db_ = Open("bare");
    absl::StatusOr<std::unique_ptr<RecordStore>> store = RecordStore::Open(store_db_.get());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    writer_ = std::make_unique<BareRecordWriter>(bare_db_.get());
  }

  void ImportBoth(const std::string& csv, size_t batch_size, bool sort = false) {
    auto reader = RecordReader::FromString(csv, "test.csv", InputFormat::kCsv, MetricRegistry());
    ASSERT_TRUE(reader.ok()) << reader.status();
    RecordBatch batch;
    std::vector<RowError> errors;
    while (true) {
      absl::StatusOr<bool> more = (*reader)->NextBatch(batch_size, &batch, &errors);
      ASSERT_TRUE(more.ok()) << more.status();
      ASSERT_TRUE(errors.empty()) << errors.front().ToString();
      if (!*more) break;
      ASSERT_TRUE(store_->Apply(batch).ok());
      if (sort) writer_->SortByKey(&batch);
      ASSERT_TRUE(writer_->Write(batch).ok());
    }
  }

  static KeyValues Records(Database& db) {
    KeyValues out;
    std::unique_ptr<rocksdb::Iterator> it(
        db.db()->NewIterator(rocksdb::ReadOptions(), db.handle(Family::kRecords)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(it->key().ToString(), it->value().ToString());
    }
    return out;
  }

  std::unique_ptr<Database> Open(const std::string& name) {
    static std::atomic<int> counter{0};
    const char* root = std::getenv("TEST_TMPDIR");
    Database::Options options;
    options.path = absl::StrCat(root != nullptr ? root : "/tmp", "/bare_writer_", name, "_",
                                getpid(), "_", counter++);
    std::filesystem::remove_all(options.path);
    options.sync = false;
    auto db = Database::Open(options);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? *std::move(db) : nullptr;
  }

  // Sets batch_ to energy series on the given lines and (series index, timestamp) points.
  void BatchOf(const std::vector<std::string>& lines,
               const std::vector<std::pair<uint32_t, Timestamp>>& points) {
    batch_ = RecordBatch();
    for (const std::string& line : lines) batch_.series.push_back({"energy", {{"line", line}}});
    for (auto [index, ts] : points) batch_.points.push_back({index, ts, 1.0});
  }
  std::vector<std::pair<uint32_t, Timestamp>> Points() const {
    std::vector<std::pair<uint32_t, Timestamp>> out;
    for (const RecordBatch::Point& p : batch_.points) out.emplace_back(p.series_index, p.timestamp);
    return out;
  }

  RecordBatch batch_;
  std::unique_ptr<Database> store_db_, bare_db_;
  std::unique_ptr<RecordStore> store_;
  std::unique_ptr<BareRecordWriter> writer_;
};

constexpr char kHeader[] = "timestamp,site,line,product,metric,value,unit\n";

TEST_F(BareRecordWriterTest, WritesTheRecordsAnImportStores) {
  // Series first appear in different batches and out of id order within a batch.
  ImportBoth(absl::StrCat(kHeader,
                          "2025-01-01T00:05:00Z,s,L2,P-1,energy,4.5,kWh\n"
                          "2025-01-01T00:00:00Z,s,L1,P-1,energy,1.25,kWh\n"
                          "2025-01-01T00:05:00Z,s,L1,P-1,energy,2,kWh\n"
                          "2025-01-01T00:00:00Z,s,L1,P-2,water,0.5,m3\n"
                          "2025-01-01T00:10:00Z,s,L2,P-1,energy,3,MWh\n"),
             /*batch_size=*/2);
  KeyValues bare = Records(*bare_db_);
  EXPECT_EQ(bare.size(), 5u);
  EXPECT_EQ(bare, Records(*store_db_));
  EXPECT_EQ(writer_->series(), 3u);
}

TEST_F(BareRecordWriterTest, NegativeZeroAndRepeatedKeysEndAsInTheStore) {
  ImportBoth(absl::StrCat(kHeader,
                          "2025-01-01T00:00:00Z,s,L1,P-1,energy,-0,kWh\n"
                          "2025-01-01T00:05:00Z,s,L1,P-1,energy,7,kWh\n"
                          "2025-01-01T00:05:00Z,s,L1,P-1,energy,8,kWh\n"),
             /*batch_size=*/10);
  KeyValues bare = Records(*bare_db_);
  ASSERT_EQ(bare.size(), 2u);
  EXPECT_EQ(bare, Records(*store_db_));
  EXPECT_EQ(bare[0].second, std::string(8, '\0'));  // +0.0, not -0.0
}

TEST_F(BareRecordWriterTest, SortingFirstWritesTheSameRecords) {
  ImportBoth(absl::StrCat(kHeader,
                          "2025-01-01T00:10:00Z,s,L2,P-1,energy,1,kWh\n"
                          "2025-01-01T00:05:00Z,s,L1,P-1,energy,2,kWh\n"
                          "2025-01-01T00:00:00Z,s,L2,P-1,energy,3,kWh\n"
                          "2025-01-01T00:05:00Z,s,L1,P-1,energy,4,kWh\n"
                          "2025-01-01T00:00:00Z,s,L3,P-1,energy,5,kWh\n"),
             /*batch_size=*/3, /*sort=*/true);
  KeyValues bare = Records(*bare_db_);
  EXPECT_EQ(bare.size(), 4u);
  EXPECT_EQ(bare, Records(*store_db_));
}

TEST_F(BareRecordWriterTest, SortByKeyOrdersBySeriesIdThenTime) {
  BatchOf({"L1", "L2"}, {{1, 30}, {0, 20}, {1, 10}, {0, 10}});
  ASSERT_TRUE(writer_->Write(batch_).ok());  // L1 is 0, L2 is 1
  BatchOf({"L3", "L2"}, {{0, 5}, {1, 7}, {0, 1}});
  writer_->SortByKey(&batch_);  // L2 keeps 1, L3 becomes 2
  EXPECT_EQ(Points(), (std::vector<std::pair<uint32_t, Timestamp>>{{1, 7}, {0, 1}, {0, 5}}));
}

TEST_F(BareRecordWriterTest, ADifferentSeriesOrderGivesDifferentKeys) {
  // The negative control of the tests above: ids follow first appearance, so a bare writer fed
  // the rows in another order than the store does not produce the store's keys.
  const std::string a = "2025-01-01T00:00:00Z,s,L1,P-1,energy,1,kWh\n";
  const std::string b = "2025-01-01T00:00:00Z,s,L2,P-1,energy,2,kWh\n";
  auto reader = RecordReader::FromString(absl::StrCat(kHeader, a, b), "a.csv", InputFormat::kCsv,
                                         MetricRegistry());
  ASSERT_TRUE(reader.ok());
  RecordBatch batch;
  std::vector<RowError> errors;
  ASSERT_TRUE(*(*reader)->NextBatch(10, &batch, &errors));
  ASSERT_TRUE(store_->Apply(batch).ok());
  std::swap(batch.series[0], batch.series[1]);
  for (RecordBatch::Point& p : batch.points) p.series_index = 1 - p.series_index;
  std::swap(batch.points[0], batch.points[1]);  // the same records, L2 first
  ASSERT_TRUE(writer_->Write(batch).ok());
  EXPECT_NE(Records(*bare_db_), Records(*store_db_));
}

}  // namespace
}  // namespace cairn
