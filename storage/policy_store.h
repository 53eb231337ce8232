// PolicyStore: the versions of the owner's policy file, in the kPolicy family.
//
// Each Apply() stores a new version — number (1, 2, ...), time, file name, who applied it,
// the TOML text exactly as given and its SHA-256. The store does not read policies: the caller
// validates the text as a policy (policy/policy_file.h) before it applies it, and parses the
// current version at start. Deny by default: an empty store means no policy. Versions are kept
// for good: audit entries name the policy version a decision was made under.
//
// Each version also records a digest per grant, per deny rule and of the groups table: the
// SHA-256 of the element's canonical form (toml++ re-emits it as JSON with keys sorted), so
// comments, layout and key order do not change it, while any value does. History() uses the
// digests to name the grants added, removed and changed; the daemon keys released answers
// to a grant's digest (ledger_store.h), so an edited grant never serves old answers.
//
// Nothing is half-applied: Apply() only adds rows to the caller's WriteBatch (with the
// "policy-apply" audit entry); version N+1 exists, and is current, once that batch is written.
// Put at most one Apply() in a batch: the version number is the newest one on disk plus one.
//
// Key layout: 'v' u64(version) -> metadata and digests; 't' u64(version) -> the TOML text.
//
// Thread-safe: every method reads RocksDB only and keeps no state; Apply()'s caller (the
// daemon's single writer) serialises applies.
#ifndef CAIRN_STORAGE_POLICY_STORE_H_
#define CAIRN_STORAGE_POLICY_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "rocksdb/write_batch.h"
#include "storage/database.h"

namespace cairn {

struct PolicyVersion {
  uint64_t version = 0;  // 0: no policy
  Timestamp applied_at = 0;
  std::string file_name;
  std::string applied_by;
  std::string sha256;  // of `text`, 32 raw bytes
  std::string text;
  std::map<std::string, std::string> grants;      // grant name -> digest (32 raw bytes)
  std::map<std::string, std::string> deny_rules;  // deny rule name -> digest
  std::string groups_digest;                      // of the [groups] table ("" if none)
};

// One version in History(), compared with the version before it.
struct PolicyChange {
  uint64_t version = 0;
  Timestamp applied_at = 0;
  std::string file_name;
  std::string applied_by;
  std::string sha256;
  std::vector<std::string> grants_added;  // each sorted
  std::vector<std::string> grants_removed;
  std::vector<std::string> grants_changed;
  std::vector<std::string> deny_rules_added;
  std::vector<std::string> deny_rules_removed;
  std::vector<std::string> deny_rules_changed;
  bool groups_changed = false;
};

class PolicyStore {
 public:
  // `db` must outlive the store.
  static absl::StatusOr<std::unique_ptr<PolicyStore>> Open(Database* db);

  // Adds `text` to `batch` as the next version, which becomes current once the batch is
  // written. The caller has validated `text` as a policy. InvalidArgument if it is not TOML, or
  // if file_name or applied_by exceed 1 KiB; Internal / DataLoss for storage errors. Nothing is
  // added to the batch on error.
  absl::StatusOr<PolicyVersion> Apply(absl::string_view text, absl::string_view file_name,
                                      absl::string_view applied_by, Timestamp now,
                                      rocksdb::WriteBatch* batch);

  // The newest version; NotFound if no policy was ever applied.
  absl::StatusOr<PolicyVersion> Current() const;
  // Version `version`; NotFound if there is none.
  absl::StatusOr<PolicyVersion> Get(uint64_t version) const;
  // The newest min(limit, kMaxHistory) versions, oldest first, each compared with the
  // version before it (version 1 with an empty policy).
  absl::StatusOr<std::vector<PolicyChange>> History(size_t limit = kMaxHistory) const;
  static constexpr size_t kMaxHistory = 1'000;

  // The text of a new version: the current one without the grant `name` (for `cairnctl
  // policy rm`); the caller validates it like any policy and applies it. NotFound if there is
  // no policy or no such grant.
  absl::StatusOr<std::string> RemoveGrant(absl::string_view name) const;

 private:
  explicit PolicyStore(Database* db) : db_(db), cf_(db->handle(Family::kPolicy)) {}
  absl::StatusOr<uint64_t> NewestVersion() const;
  absl::StatusOr<PolicyVersion> GetMetadata(uint64_t version) const;

  Database* db_;
  rocksdb::ColumnFamilyHandle* cf_;
};

// `text` without the [[grant]] named `name`, re-emitted by toml++: comments and the original
// layout are lost, values are kept. NotFound if there is no such grant; InvalidArgument if
// `text` is not TOML. Does not validate the result as a policy.
absl::StatusOr<std::string> RemoveGrantFromPolicyText(absl::string_view text,
                                                      absl::string_view name);

// The digests PolicyVersion records, computed from `text` (which must be TOML).
absl::Status ComputePolicyDigests(absl::string_view text, PolicyVersion* version);

}  // namespace cairn

#endif  // CAIRN_STORAGE_POLICY_STORE_H_
