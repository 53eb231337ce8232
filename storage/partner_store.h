// PartnerStore: the registered partners (family kPartners) — who may connect over mutual TLS
// and whom this daemon may ask.
//
// A partner is a name chosen by the local steward, the partner's certificate (whose key is
// pinned by its fingerprint), the endpoint to reach it, and, until a policy grants more, the
// metrics it may ask about. Revoking keeps the record (for the audit trail) but the partner is
// no longer trusted; the name may then be registered again with a new certificate.
// The storage layer does not parse certificates: the caller checks them (crypto/) first.
//
// Threading: changes (Add, Revoke, SetAllowedMetrics, Apply) from one thread at a time; reads
// are thread-safe and see an immutable snapshot.
#ifndef CAIRN_STORAGE_PARTNER_STORE_H_
#define CAIRN_STORAGE_PARTNER_STORE_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "model/partner_name.h"
#include "rocksdb/write_batch.h"
#include "storage/database.h"

namespace cairn {

struct Partner {
  std::string name;                          // local handle: [a-z0-9][a-z0-9._-]{0,63}
  std::string fingerprint;                   // "ed25519:..." of the certificate's key
  std::string display_name;                  // the certificate's O
  std::string certificate_pem;               // as registered
  std::string endpoint;                      // "host:port" where its cairnd listens; may be empty
  std::vector<std::string> allowed_metrics;  // pre-policy allow-list; empty: nothing
  Timestamp added_at = 0;
  std::optional<Timestamp> revoked_at;

  bool active() const { return !revoked_at.has_value(); }
};

class PartnerStore {
 public:
  static absl::StatusOr<std::unique_ptr<PartnerStore>> Open(Database* db);

  // Each change is checked against the registered partners and its row added to `batch` (the
  // caller writes it with the change's audit entry); the changed record is returned, and
  // becomes visible with Apply() once the batch is written. Nothing is added on error.
  //
  // Registers `partner`. InvalidArgument for a malformed name; AlreadyExists if an active
  // partner has that name or that fingerprint. A revoked partner of the same name is replaced.
  absl::StatusOr<Partner> Add(Partner partner, rocksdb::WriteBatch* batch) const;
  // NotFound if no such partner; FailedPrecondition if already revoked.
  absl::StatusOr<Partner> Revoke(absl::string_view name, Timestamp now,
                                 rocksdb::WriteBatch* batch) const;
  // Replaces the allow-list of an active partner. NotFound if none.
  absl::StatusOr<Partner> SetAllowedMetrics(absl::string_view name,
                                            std::vector<std::string> metrics,
                                            rocksdb::WriteBatch* batch) const;
  // Makes a change visible to readers, after its batch was written.
  void Apply(const Partner& changed);

  std::vector<Partner> List() const;  // by name, revoked ones included
  std::optional<Partner> Find(absl::string_view name) const;
  std::optional<Partner> FindActiveByFingerprint(absl::string_view fingerprint) const;
  std::vector<Partner> Active() const;

 private:
  explicit PartnerStore(Database* db) : db_(db) {}
  absl::StatusOr<Partner> Stage(Partner partner, rocksdb::WriteBatch* batch) const;
  std::shared_ptr<const std::vector<Partner>> Snapshot() const;

  Database* db_;
  mutable std::mutex mu_;
  std::shared_ptr<const std::vector<Partner>> partners_;  // sorted by name; guarded by mu_
};

// Encoding of a Partner record (JSON), exposed for tests.
std::string EncodePartner(const Partner& partner);
absl::StatusOr<Partner> DecodePartner(absl::string_view bytes);

}  // namespace cairn

#endif  // CAIRN_STORAGE_PARTNER_STORE_H_
