#include "daemon/partner_service.h"

#include <chrono>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
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

// A commit on the writer, and its sync if it could be done at once.
struct Committed {
  absl::StatusOr<AuditLog::Receipt> receipt;
  std::optional<absl::Status> synced = std::nullopt;
};

}  // namespace

kj::Promise<std::string> PartnerService::Answer(const Partner& partner, const PublicKey& peer,
                                                SignedBytes request) {
  const ServiceContext* context = &context_;
  const ParticipantIdentity* me = &me_;
  Disclosure* disclosure = &disclosure_;
  Timestamp max_age = context_.config->max_request_age_seconds * kMicrosPerSecond;
  std::string request_hash = Sha256(request.payload);
  std::string signature = request.signature;

  // 1. The envelope, on a reader thread (signature verification costs ~50 us).
  return context_.readers
      ->Run([request = std::move(request), peer, me, max_age,
             context]() -> absl::StatusOr<QueryRequestInfo> {
        absl::StatusOr<QueryRequestInfo> info =
            OpenQueryRequest(request, {peer, me->identity.public_key()});
        if (!info.ok()) return info.status();
        absl::Status s =
            CheckEnvelope(*info, peer, me->identity.public_key(), NowMicros(), max_age);
        if (s.ok()) s = ValidateQuery(info->query, context->store->Metrics());
        if (!s.ok()) return s;
        return info;
      })
      .then([context, disclosure, partner, request_hash,
             signature](absl::StatusOr<QueryRequestInfo> info) {
        if (!info.ok()) {
          absl::Status why = info.status();
          return context->writer
              ->Run([disclosure, partner, request_hash, signature, why] {
                disclosure->RecordFailure(partner, request_hash, signature, why, NowMicros());
              })
              .then([why]() { return kj::Promise<PartnerRequest>(StatusToException(why)); });
        }
        return kj::Promise<PartnerRequest>(PartnerRequest{partner, *std::move(info), signature});
      })
      .then([context, disclosure](PartnerRequest request) {
        // 2. Replay and policy, by the single writer.
        auto shared = std::make_shared<PartnerRequest>(std::move(request));
        return context->writer
            ->Run([disclosure, shared] { return disclosure->Decide(*shared, NowMicros()); })
            .then([context, disclosure, shared](absl::StatusOr<Verdict> verdict) {
              ThrowIfError(verdict.status());
              // 3. The release, on a reader thread.
              auto v = std::make_shared<Verdict>(*std::move(verdict));
              return context->readers
                  ->Run([context, shared, v] {
                    CsprngSource rng;
                    return Disclosure::PrepareRelease(*context->store, *v, shared->request.query,
                                                      rng);
                  })
                  .then([context, disclosure, shared, v](absl::StatusOr<PreparedRelease> release) {
                    if (!release.ok()) {
                      absl::Status why = release.status();
                      return context->writer
                          ->Run([disclosure, shared, why] {
                            disclosure->RecordFailure(shared->partner, shared->request.hash,
                                                      shared->signature, why, NowMicros());
                          })
                          .then([why]() {
                            return kj::Promise<
                                std::pair<std::shared_ptr<PreparedRelease>, AuditLog::Receipt>>(
                                StatusToException(why));
                          });
                    }
                    // 4. Audit entry, debit, answer and nonce: one write, by the writer; then
                    // durable. With other calls waiting for the writer the sync is a step of
                    // its own, queued behind them, so that the commits among them share its
                    // fsync (group commit); alone, the commit syncs at once.
                    auto r = std::make_shared<PreparedRelease>(*std::move(release));
                    WorkerThread* writer = context->writer;
                    return writer
                        ->Run([disclosure, shared, v, r, writer]() -> Committed {
                          Committed c{disclosure->Commit(*shared, *v, *r, NowMicros())};
                          if (c.receipt.ok() && writer->pending() <= 1) {
                            c.synced = disclosure->SyncReleases();
                          }
                          return c;
                        })
                        .then([disclosure, r, writer](Committed c) {
                          ThrowIfError(c.receipt.status());
                          kj::Promise<absl::Status> synced =
                              c.synced ? kj::Promise<absl::Status>(*c.synced)
                                       : writer->Run(
                                             [disclosure] { return disclosure->SyncReleases(); });
                          return synced.then([r, receipt = *std::move(c.receipt)](absl::Status s) {
                            ThrowIfError(s);
                            return std::make_pair(r, receipt);
                          });
                        });
                  })
                  .then([context, shared,
                         v](std::pair<std::shared_ptr<PreparedRelease>, AuditLog::Receipt> done) {
                    return std::make_tuple(shared, v, done.first, done.second);
                  });
            });
      })
      .then([context, me](std::tuple<std::shared_ptr<PartnerRequest>, std::shared_ptr<Verdict>,
                                     std::shared_ptr<PreparedRelease>, AuditLog::Receipt>
                              done) {
        // 5. Attest and seal, on a reader thread.
        auto [request, verdict, release, receipt] = std::move(done);
        return context->readers
            ->Run([context, me, request, verdict, release,
                   receipt]() -> absl::StatusOr<std::string> {
              CrashAt("before-release");
              const QueryRequestInfo& info = request->request;
              AttestationInfo attestation{info.query,
                                          release->result,
                                          me->identity.public_key(),
                                          context->config->name,
                                          info.requester,
                                          info.hash,
                                          NowMicros(),
                                          {}};
              Protection& p = attestation.protection;
              p.grant = verdict->grant ? verdict->grant->name : "";
              p.policy_version = verdict->policy_version;
              p.suppressed_groups = release->suppressed_groups;
              p.noise = release->noise;
              p.epsilon_spent = static_cast<double>(release->epsilon_micros) / kMicrosPerEpsilon;
              p.audit_receipt = receipt.hash;
              absl::StatusOr<SignedBytes> signed_result =
                  SignAttestation(me->identity, attestation);
              if (!signed_result.ok()) return signed_result.status();
              return Seal(info.requester, EncodeSignedResult(*signed_result));
            })
            .then([](absl::StatusOr<std::string> sealed) {
              ThrowIfError(sealed.status());
              return *std::move(sealed);
            });
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
