// PartnerService: the partner door — how this daemon answers a partner's signed query.
//
// A thin adapter over the release pipeline (daemon/release/release_pipeline.h): it turns the
// request that arrived on an authenticated session into a PartnerQueryRelease, whose steps are
//   open     decode the envelope and verify its signature; the signer must be the key the TLS
//            connection authenticated, the request addressed to us and fresh, the query valid
//   decide   ReleaseGate::Decide (replay, policy or allow-list, an earlier private answer)
//   prepare  PrepareRelease over the store (exact, withheld, or noisy)
//   commit   ReleaseGate::Commit (one write with the audit entry, debit, answer, nonce)
//   attest   sign the result with our key and the audit receipt; seal it to the requester
// and the pipeline runs them. Refusals reach the partner as "PERMISSION_DENIED: <reason>" (or
// RESOURCE_EXHAUSTED for budgets and rate limits, UNAUTHENTICATED / INVALID_ARGUMENT for bad
// envelopes); every request, allowed, denied or failed, is audited.
//
// Threading: Answer() runs on the daemon's event loop thread; the steps run where the pipeline
// puts them. See daemon/release/life-of-a-partner-query.md.
#ifndef CAIRN_DAEMON_PARTNER_SERVICE_H_
#define CAIRN_DAEMON_PARTNER_SERVICE_H_

#include <kj/async.h>

#include <optional>
#include <string>

#include "base/clock.h"
#include "daemon/release/release_pipeline.h"
#include "daemon/service_context.h"
#include "participant/participant_identity.h"
#include "protocol/signed_envelope.h"
#include "storage/nonce_store.h"
#include "storage/partner_store.h"

namespace cairn {

// A partner's query on its way through the pipeline: what each step does for it, and what it
// leaves for the next. (Public for the benchmark that times the steps one by one.)
class PartnerQueryRelease final : public ReleaseSteps {
 public:
  PartnerQueryRelease(const ServiceContext& context, const ParticipantIdentity& me, Partner partner,
                      PublicKey peer, SignedBytes envelope);

  absl::Status Open() override;
  absl::Status Decide(ReleaseGate& gate) override;
  absl::Status Prepare() override;
  absl::Status Commit(ReleaseGate& gate) override;
  absl::Status Attest() override;
  void Failed(ReleaseGate& gate, const absl::Status& why) override;

  // After Attest(): the sealed SignedResult for the requester.
  std::string TakeSealed() { return std::move(sealed_); }

 private:
  const ServiceContext& context_;
  const ParticipantIdentity& me_;
  const PublicKey peer_;
  const SignedBytes envelope_;
  const Partner partner_;
  const AuditSubject subject_;             // for a request that fails before it is decoded
  std::optional<PartnerRequest> request_;  // from Open() on
  Verdict verdict_;
  PreparedRelease release_;
  AuditLog::Receipt receipt_;
  std::string sealed_;
};

class PartnerService {
 public:
  PartnerService(const ServiceContext& context, const ParticipantIdentity& me, NonceStore& nonces,
                 ReleasePipeline& pipeline)
      : context_(context), me_(me), nonces_(nonces), pipeline_(pipeline) {}

  // Resolves to the sealed SignedResult for `partner`, whose key the connection authenticated
  // as `peer`; rejects with the reason the request was refused.
  kj::Promise<std::string> Answer(const Partner& partner, const PublicKey& peer,
                                  SignedBytes request);

  // Checks a decoded request against the connection and the clock. Exposed for tests.
  static absl::Status CheckEnvelope(const QueryRequestInfo& request, const PublicKey& peer,
                                    const PublicKey& me, Timestamp now, Timestamp max_age);

  // What a partner is told when its query ends with `status`: refusals and problems with its
  // request as they are; the daemon's own failures without their detail (which may name
  // files, storage errors or internal state), pointing at the audit log, which has it.
  static absl::Status ForPartner(const absl::Status& status, absl::string_view request_hash);

  // Forgets nonces too old to pass the freshness check; called periodically.
  kj::Promise<void> PruneNonces();

 private:
  const ServiceContext& context_;
  const ParticipantIdentity& me_;
  NonceStore& nonces_;
  ReleasePipeline& pipeline_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_PARTNER_SERVICE_H_
