// ConsortiumStore: this daemon's consortium rosters and, per consortium, the cohort memory of
// its federation member (family kFederation).
//
// A roster is kept as the steward imported it (its TOML text, the file name and when), so
// that the daemon re-parses exactly what was agreed; the federation layer parses it. The
// cohort memory is kept as the bytes federation/cohort_memory.h exports. The store does not
// interpret either: it gives the daemon a place to stage both into the WriteBatch that also
// holds the audit entry, so that no round's figures leave without the memory that later
// refuses a differencing cohort (also after a restart).
//
// Keys: "r/<consortium>" -> roster record (JSON), "m/<consortium>" -> memory bytes.
//
// Threading: Put* stage into a caller's batch (the writer thread writes it); reads are
// thread-safe.
#ifndef CAIRN_STORAGE_CONSORTIUM_STORE_H_
#define CAIRN_STORAGE_CONSORTIUM_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "rocksdb/write_batch.h"
#include "storage/database.h"

namespace cairn {

struct StoredRoster {
  std::string consortium;
  std::string text;       // the roster file as imported (TOML)
  std::string file_name;  // as given at import, for messages
  Timestamp added_at = 0;
  std::string added_by;
};

class ConsortiumStore {
 public:
  explicit ConsortiumStore(Database* db) : db_(db) {}

  // Every stored roster, by consortium name. DataLoss naming the key if a record is damaged.
  absl::StatusOr<std::vector<StoredRoster>> Rosters() const;
  // The cohort memory stored for `consortium`, or nullopt if none was ever written.
  absl::StatusOr<std::optional<std::string>> Memory(absl::string_view consortium) const;

  // Stage a roster (replacing the consortium's earlier one) / a memory into `batch`.
  void PutRoster(const StoredRoster& roster, rocksdb::WriteBatch* batch) const;
  void PutMemory(absl::string_view consortium, absl::string_view bytes,
                 rocksdb::WriteBatch* batch) const;

 private:
  Database* db_;
};

// The roster record's encoding (JSON), exposed for tests.
std::string EncodeStoredRoster(const StoredRoster& roster);
absl::StatusOr<StoredRoster> DecodeStoredRoster(absl::string_view bytes);

}  // namespace cairn

#endif  // CAIRN_STORAGE_CONSORTIUM_STORE_H_
