#include "daemon/partner_service.h"

#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "crypto/hash.h"
#include "crypto/sealing.h"
#include "daemon/failpoint.h"
#include "protocol/rpc_status.h"

namespace cairn {

absl::Status PartnerService::CheckEnvelope(const QueryRequestInfo& request, const PublicKey& peer,
                                           const PublicKey& me, Timestamp now, Timestamp max_age) {
  if (request.requester != peer) {
    return absl::UnauthenticatedError(
        absl::StrCat("the request is signed by ", request.requester.fingerprint().ToString(),
                     ", not by the key of this connection (", peer.fingerprint().ToString(), ")"));
  }
  if (request.target != me) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the request is addressed to ", request.target.fingerprint().ToString(), ", not to us"));
  }
  Timestamp age = now - request.issued_at;
  if (age > max_age || -age > max_age) {
    return absl::PermissionDeniedError(absl::StrCat(
        "stale request: issued ", FormatTimestamp(request.issued_at), ", ",
        (age > 0 ? age : -age) / kMicrosPerSecond, " s ", age > 0 ? "ago" : "in the future",
        "; requests must be within ", max_age / kMicrosPerSecond, " s of our clock"));
  }
  return absl::OkStatus();
}

namespace {

using SharedRequest = std::shared_ptr<const PartnerRequest>;

// Step 5: the answer, attested (signed by our key, with the audit receipt) and sealed to the
// requester. Any thread.
absl::StatusOr<std::string> AttestAndSeal(const ServiceContext& context,
                                          const ParticipantIdentity& me,
                                          const PartnerRequest& request, const Verdict& verdict,
                                          const PreparedRelease& release,
                                          const AuditLog::Receipt& receipt) {
  CrashAt("before-release");
  const QueryRequestInfo& info = request.request;
  AttestationInfo attestation{info.query,
                              release.result,
                              me.identity.public_key(),
                              context.config->name,
                              info.requester,
                              info.hash,
                              NowMicros(),
                              {}};
  Protection& p = attestation.protection;
  p.grant = verdict.grant ? verdict.grant->name : "";
  p.policy_version = verdict.policy_version;
  p.suppressed_groups = release.suppressed_groups;
  p.noise = release.noise;
  p.epsilon_spent = static_cast<double>(release.epsilon_micros) / kMicrosPerEpsilon;
  p.audit_receipt = receipt.hash;
  CAIRN_ASSIGN_OR_RETURN(SignedBytes signed_result, SignAttestation(me.identity, attestation));
  return Seal(info.requester, EncodeSignedResult(signed_result));
}

// Steps 2 to 5 in one go, on the writer thread, when nobody else waits for it: the same calls
// in the same order as the pipeline below, without its trips between threads.
absl::StatusOr<std::string> ReleaseAtOnce(const ServiceContext& context,
                                          const ParticipantIdentity& me, Disclosure& disclosure,
                                          const PartnerRequest& request) {
  CAIRN_ASSIGN_OR_RETURN(const Verdict verdict, disclosure.Decide(request, NowMicros()));
  CsprngSource rng;
  absl::StatusOr<PreparedRelease> release =
      Disclosure::PrepareRelease(*context.store, verdict, request.request.query, rng);
  if (!release.ok()) {
    disclosure.RecordFailure(request.partner, request.request.hash, request.signature,
                             release.status(), NowMicros());
    return release.status();
  }
  CAIRN_ASSIGN_OR_RETURN(const AuditLog::Receipt receipt,
                         disclosure.Commit(request, verdict, *release, NowMicros()));
  CAIRN_RETURN_IF_ERROR(disclosure.SyncReleases());
  return AttestAndSeal(context, me, request, verdict, *release, receipt);
}

std::string SealedOrThrow(absl::StatusOr<std::string> sealed) {
  ThrowIfError(sealed.status());
  return *std::move(sealed);
}

// Steps 2 to 5 when other work waits for the writer: each step on the thread it belongs to, so
// that the writer does only what must be serial (decide, commit, sync). Commits queued while
// one syncs share the next sync (group commit); a commit with nobody behind it syncs at once.
kj::Promise<std::string> ReleasePipelined(const ServiceContext* context,
                                          const ParticipantIdentity* me, Disclosure* disclosure,
                                          SharedRequest request) {
  WorkerThread* writer = context->writer;
  // 2. Replay and policy.
  return writer->Run([disclosure, request] { return disclosure->Decide(*request, NowMicros()); })
      .then([context, disclosure, request](absl::StatusOr<Verdict> decided) {
        ThrowIfError(decided.status());
        auto verdict = std::make_shared<const Verdict>(*std::move(decided));
        // 3. The release, on a reader thread.
        return context->readers
            ->Run([context, request, verdict] {
              CsprngSource rng;
              return Disclosure::PrepareRelease(*context->store, *verdict, request->request.query,
                                                rng);
            })
            .then([verdict](absl::StatusOr<PreparedRelease> release) {
              return std::make_pair(verdict, std::move(release));
            });
      })
      .then([context, me, disclosure, request, writer](
                std::pair<std::shared_ptr<const Verdict>, absl::StatusOr<PreparedRelease>> step) {
        auto verdict = step.first;
        if (!step.second.ok()) {
          absl::Status why = step.second.status();
          return writer
              ->Run([disclosure, request, why] {
                disclosure->RecordFailure(request->partner, request->request.hash,
                                          request->signature, why, NowMicros());
              })
              .then([why]() -> kj::Promise<std::string> { return StatusToException(why); });
        }
        auto release = std::make_shared<const PreparedRelease>(*std::move(step.second));
        // 4. Audit entry, debit, answer and nonce: one write; then durable.
        return writer
            ->Run([disclosure, request, verdict, release,
                   writer]() -> std::pair<absl::StatusOr<AuditLog::Receipt>, bool> {
              absl::StatusOr<AuditLog::Receipt> receipt =
                  disclosure->Commit(*request, *verdict, *release, NowMicros());
              if (!receipt.ok() || writer->pending() > 1) return {std::move(receipt), false};
              absl::Status synced = disclosure->SyncReleases();
              if (!synced.ok()) return {synced, true};
              return {std::move(receipt), true};
            })
            .then([disclosure, writer](std::pair<absl::StatusOr<AuditLog::Receipt>, bool> c) {
              ThrowIfError(c.first.status());
              kj::Promise<absl::Status> synced =
                  c.second ? kj::Promise<absl::Status>(absl::OkStatus())
                           : writer->Run([disclosure] { return disclosure->SyncReleases(); });
              return synced.then([receipt = *std::move(c.first)](absl::Status s) {
                ThrowIfError(s);
                return receipt;
              });
            })
            .then([context, me, request, verdict, release](AuditLog::Receipt receipt) {
              // 5. Attest and seal, on a reader thread.
              return context->readers
                  ->Run([context, me, request, verdict, release, receipt] {
                    return AttestAndSeal(*context, *me, *request, *verdict, *release, receipt);
                  })
                  .then([](absl::StatusOr<std::string> s) { return SealedOrThrow(std::move(s)); });
            });
      });
}

}  // namespace

kj::Promise<std::string> PartnerService::Answer(const Partner& partner, const PublicKey& peer,
                                                SignedBytes request) {
  const ServiceContext* context = &context_;
  const ParticipantIdentity* me = &me_;
  Disclosure* disclosure = &disclosure_;
  Timestamp max_age = context_.config->max_request_age_seconds * kMicrosPerSecond;
  std::string request_hash = Sha256(request.payload);
  std::string signature = request.signature;

  // 1. The envelope: decoded, its signature verified (~50 us), checked against the connection
  // and the clock. Any thread.
  auto open = [request = std::move(request), peer, me, max_age,
               context]() -> absl::StatusOr<QueryRequestInfo> {
    absl::StatusOr<QueryRequestInfo> info =
        OpenQueryRequest(request, {peer, me->identity.public_key()});
    if (!info.ok()) return info.status();
    absl::Status s = CheckEnvelope(*info, peer, me->identity.public_key(), NowMicros(), max_age);
    if (s.ok()) s = ValidateQuery(info->query, context->store->Metrics());
    if (!s.ok()) return s;
    return info;
  };
  const bool pipeline = FailpointActive("pipeline-always");

  // Nobody waits for the writer: it does every step in one task (the envelope included), the
  // same calls in the same order as below, without the trips between threads.
  if (context->writer->pending() == 0 && !pipeline) {
    return context->writer
        ->Run([context, me, disclosure, partner, request_hash, signature,
               open = std::move(open)]() -> absl::StatusOr<std::string> {
          absl::StatusOr<QueryRequestInfo> info = open();
          if (!info.ok()) {
            disclosure->RecordFailure(partner, request_hash, signature, info.status(), NowMicros());
            return info.status();
          }
          return ReleaseAtOnce(*context, *me, *disclosure,
                               PartnerRequest{partner, *std::move(info), signature});
        })
        .then([](absl::StatusOr<std::string> s) { return SealedOrThrow(std::move(s)); });
  }

  // Otherwise each step on the thread it belongs to: the envelope on a reader thread, then the
  // release pipeline.
  return context_.readers->Run(std::move(open))
      .then([context, me, disclosure, partner, request_hash,
             signature](absl::StatusOr<QueryRequestInfo> info) -> kj::Promise<std::string> {
        if (!info.ok()) {
          absl::Status why = info.status();
          return context->writer
              ->Run([disclosure, partner, request_hash, signature, why] {
                disclosure->RecordFailure(partner, request_hash, signature, why, NowMicros());
              })
              .then([why]() -> kj::Promise<std::string> { return StatusToException(why); });
        }
        auto shared = std::make_shared<const PartnerRequest>(
            PartnerRequest{partner, *std::move(info), signature});
        // 2-5. Decide, prepare, commit and sync, attest and seal.
        return ReleasePipelined(context, me, disclosure, std::move(shared));
      });
}

kj::Promise<void> PartnerService::PruneNonces() {
  NonceStore* nonces = &nonces_;
  Timestamp cutoff = NowMicros() - 2 * context_.config->max_request_age_seconds * kMicrosPerSecond;
  return context_.writer->Run([nonces, cutoff] { return nonces->Prune(cutoff); })
      .then([](absl::Status s) {
        if (!s.ok()) CAIRN_LOG_WARNING("pruning old nonces failed: ", s.message());
      });
}

}  // namespace cairn
