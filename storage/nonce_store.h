// NonceStore: the request nonces a daemon has accepted (family kNonces), so that a replayed
// request is refused — on the same connection, a new one, or after a restart.
//
// A request is fresh only within a window around the daemon's clock (config
// partners.max_request_age_seconds), so a nonce need only be remembered for as long as its
// request could still pass the freshness check; older entries are pruned. Keys begin with the
// request's issue time, which makes pruning one range deletion.
//
// Threading: Remember/Prune from the writer thread only; Seen from any thread.
#ifndef CAIRN_STORAGE_NONCE_STORE_H_
#define CAIRN_STORAGE_NONCE_STORE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "rocksdb/write_batch.h"
#include "storage/database.h"

namespace cairn {

class NonceStore {
 public:
  explicit NonceStore(Database* db) : db_(db) {}

  // True if (requester, nonce, issued_at) was remembered before.
  absl::StatusOr<bool> Seen(absl::string_view requester, absl::string_view nonce,
                            Timestamp issued_at) const;
  // Adds the nonce to `batch`; durable once the caller writes the batch.
  void Remember(absl::string_view requester, absl::string_view nonce, Timestamp issued_at,
                rocksdb::WriteBatch* batch) const;
  // Forgets nonces of requests issued before `cutoff`.
  absl::Status Prune(Timestamp cutoff) const;

 private:
  static std::string Key(absl::string_view requester, absl::string_view nonce, Timestamp issued_at);
  Database* db_;
};

}  // namespace cairn

#endif  // CAIRN_STORAGE_NONCE_STORE_H_
