// RateStore: when queries were admitted under grants with a rate limit, so that restarting
// cairnd does not open a fresh window for a partner that used its limit up (family kLedger,
// under its own prefix 't'; LedgerStore keeps the other rows of that family).
//
// Each admission is one small row, written in the same batch as the release it admitted; rows
// older than the longest window are deleted in the same batch, so the rows of one partner and
// grant are bounded by its rate limit (at most kMaxRateLimitQueries per window).
//
// Key: 't' str(partner) str(grant) u64(time) -> u32(admissions at that microsecond).
// Threading: Put() is the single writer's; Load() is thread-safe and sees committed rows.
#ifndef CAIRN_STORAGE_RATE_STORE_H_
#define CAIRN_STORAGE_RATE_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "rocksdb/write_batch.h"
#include "storage/database.h"

namespace cairn {

struct RateAdmission {
  std::string partner;
  std::string grant;
  Timestamp at = 0;
  uint32_t count = 1;  // admissions at exactly `at`
};

class RateStore {
 public:
  // `db` must outlive the store.
  explicit RateStore(Database* db) : db_(db), cf_(db->handle(Family::kLedger)) {}

  // Adds one admission of `partner` under `grant` at `at` to `batch`, and the deletion of the
  // pair's admissions before `forget_before`. Internal for storage errors.
  absl::Status Put(absl::string_view partner, absl::string_view grant, Timestamp at,
                   Timestamp forget_before, rocksdb::WriteBatch* batch);
  // Every stored admission at or after `since`, by partner, grant and time. DataLoss for a
  // malformed row.
  absl::StatusOr<std::vector<RateAdmission>> Load(Timestamp since) const;

 private:
  std::string Key(absl::string_view partner, absl::string_view grant, Timestamp at) const;

  Database* db_;
  rocksdb::ColumnFamilyHandle* cf_;
};

}  // namespace cairn

#endif  // CAIRN_STORAGE_RATE_STORE_H_
