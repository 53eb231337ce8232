// PartnerService: how this daemon answers a partner's signed query.
//
// The path, in order: decode the envelope and verify its signature; the signer must be the
// key the TLS connection authenticated, the request must be addressed to us and fresh; the
// partner must be allowed the query; its nonce must be new (checked and recorded durably on
// the writer thread, so a replay is refused after a restart too); then the query runs on a
// reader thread and its result is attested (signed by our key) and sealed to the requester.
// Refusals reach the partner as "PERMISSION_DENIED: <reason>" (or UNAUTHENTICATED /
// INVALID_ARGUMENT) and are logged. Runs on the daemon's event loop thread.
#ifndef CAIRN_DAEMON_PARTNER_SERVICE_H_
#define CAIRN_DAEMON_PARTNER_SERVICE_H_

#include <kj/async.h>

#include <string>

#include "daemon/participant_identity.h"
#include "daemon/service_context.h"
#include "protocol/signed_envelope.h"
#include "storage/nonce_store.h"
#include "storage/partner_store.h"

namespace cairn {

class PartnerService {
 public:
  PartnerService(const ServiceContext& context, const ParticipantIdentity& me, NonceStore& nonces)
      : context_(context), me_(me), nonces_(nonces) {}

  // Resolves to the sealed SignedResult for `partner`, whose key the connection authenticated
  // as `peer`; rejects with the reason the request was refused.
  kj::Promise<std::string> Answer(const Partner& partner, const PublicKey& peer,
                                  SignedBytes request);

  // Checks a decoded request against the connection and the clock. Exposed for tests.
  static absl::Status CheckEnvelope(const QueryRequestInfo& request, const PublicKey& peer,
                                    const PublicKey& me, Timestamp now, Timestamp max_age);
  // The pre-policy rule: every metric of the query must be on the partner's allow-list.
  static absl::Status Authorize(const Partner& partner, const Query& query);

  // Forgets nonces too old to pass the freshness check; called periodically.
  kj::Promise<void> PruneNonces();

 private:
  const ServiceContext& context_;
  const ParticipantIdentity& me_;
  NonceStore& nonces_;
};

Timestamp NowMicros();

}  // namespace cairn

#endif  // CAIRN_DAEMON_PARTNER_SERVICE_H_
