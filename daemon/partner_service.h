// PartnerService: how this daemon answers a partner's signed query.
//
// The path, in order: decode the envelope and verify its signature; the signer must be the
// key the TLS connection authenticated, the request must be addressed to us and fresh. Then
// Disclosure decides (replay, policy), prepares the release (exact, or private with noise)
// and commits it (audit entry, budget debit, released answer, nonce: one atomic write). Only
// then is the result attested (signed by our key, carrying the audit receipt) and sealed to
// the requester. Refusals reach the partner as "PERMISSION_DENIED: <reason>" (or
// RESOURCE_EXHAUSTED for budgets and rate limits, UNAUTHENTICATED / INVALID_ARGUMENT for bad
// envelopes); every request, allowed, denied or failed, is audited. Runs on the daemon's event
// loop thread; the work itself is done on the writer and reader threads: in one writer task
// when nobody else waits for the writer, else in a pipeline where the writer does only the
// serial steps (decide, commit, sync) and commits queued together share one fsync.
#ifndef CAIRN_DAEMON_PARTNER_SERVICE_H_
#define CAIRN_DAEMON_PARTNER_SERVICE_H_

#include <kj/async.h>

#include <string>

#include "daemon/disclosure.h"
#include "participant/participant_identity.h"
#include "daemon/service_context.h"
#include "protocol/signed_envelope.h"
#include "storage/nonce_store.h"
#include "storage/partner_store.h"

namespace cairn {

class PartnerService {
 public:
  PartnerService(const ServiceContext& context, const ParticipantIdentity& me, NonceStore& nonces,
                 Disclosure& disclosure)
      : context_(context), me_(me), nonces_(nonces), disclosure_(disclosure) {}

  // Resolves to the sealed SignedResult for `partner`, whose key the connection authenticated
  // as `peer`; rejects with the reason the request was refused.
  kj::Promise<std::string> Answer(const Partner& partner, const PublicKey& peer,
                                  SignedBytes request);

  // Checks a decoded request against the connection and the clock. Exposed for tests.
  static absl::Status CheckEnvelope(const QueryRequestInfo& request, const PublicKey& peer,
                                    const PublicKey& me, Timestamp now, Timestamp max_age);

  // Forgets nonces too old to pass the freshness check; called periodically.
  kj::Promise<void> PruneNonces();

 private:
  const ServiceContext& context_;
  const ParticipantIdentity& me_;
  NonceStore& nonces_;
  Disclosure& disclosure_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_PARTNER_SERVICE_H_
