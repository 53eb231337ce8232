// Test helpers for the storage and query layers: a gMock matcher for absl::Status, fresh
// directories under TEST_TMPDIR, and a RecordBatch builder. Test-only; thread-compatible.
#ifndef CAIRN_STORAGE_TESTING_H_
#define CAIRN_STORAGE_TESTING_H_

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "model/series.h"

namespace cairn {
namespace testing_util {

// EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, "unit"));
// Matches a Status or StatusOr whose code is `code` and whose message contains `substring`.
MATCHER_P2(StatusIs, code, substring,
           absl::StrCat("has code ", absl::StatusCodeToString(code), " and a message containing '",
                        substring, "'")) {
  absl::Status s;
  if constexpr (std::is_same_v<std::decay_t<arg_type>, absl::Status>) {
    s = arg;
  } else {
    s = arg.status();
  }
  *result_listener << "status is " << s;
  return s.code() == code && absl::StrContains(s.message(), substring);
}

// A directory under TEST_TMPDIR (or /tmp) that did not exist before this call.
inline std::string FreshTestDir(const std::string& name) {
  static std::atomic<int> counter{0};
  const char* root = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(root != nullptr ? root : "/tmp", "/", name, "_", counter++);
  std::filesystem::remove_all(dir);
  return dir;
}

// Builds a RecordBatch point by point; series are deduplicated.
class BatchBuilder {
 public:
  BatchBuilder& Add(const std::string& metric, Tags tags, Timestamp ts, double value) {
    SeriesKey key{metric, std::move(tags)};
    if (!NormalizeTags(&key.tags).ok()) std::abort();  // a broken test, not a tested path
    auto [it, inserted] = index_.emplace(key.Encode(), batch_.series.size());
    if (inserted) batch_.series.push_back(std::move(key));
    batch_.points.push_back(RecordBatch::Point{static_cast<uint32_t>(it->second), ts, value});
    return *this;
  }
  const RecordBatch& batch() const { return batch_; }
  RecordBatch Build() { return std::move(batch_); }

 private:
  RecordBatch batch_;
  absl::flat_hash_map<std::string, size_t> index_;
};

}  // namespace testing_util
}  // namespace cairn

#endif  // CAIRN_STORAGE_TESTING_H_
