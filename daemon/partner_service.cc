#include "daemon/partner_service.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "crypto/sealing.h"
#include "protocol/rpc_status.h"
#include "query/engine.h"

namespace cairn {

Timestamp NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

absl::Status PartnerService::Authorize(const Partner& partner, const Query& query) {
  auto allowed = [&](const std::string& metric) {
    for (const std::string& m : partner.allowed_metrics) {
      if (m == metric) return true;
    }
    return false;
  };
  for (const std::string& metric : {query.metric, query.ratio_denominator}) {
    if (metric.empty() || allowed(metric)) continue;
    return absl::PermissionDeniedError(
        absl::StrCat("partner '", partner.name, "' may not ask about metric ", metric,
                     partner.allowed_metrics.empty() ? " (no metric is allowed for it yet)" : ""));
  }
  return absl::OkStatus();
}

kj::Promise<std::string> PartnerService::Answer(const Partner& partner, const PublicKey& peer,
                                                SignedBytes request) {
  const ServiceContext* context = &context_;
  const ParticipantIdentity* me = &me_;
  NonceStore* nonces = &nonces_;
  Timestamp max_age = context_.config->max_request_age_seconds * kMicrosPerSecond;
  std::string who = partner.name;
  auto refuse = [who](const absl::Status& status) {
    CAIRN_LOG_INFO("refused a query from partner '", who, "': ", status.message());
    ThrowIfError(status);
  };

  // 1. Envelope and authorisation, on a reader thread (signature verification costs ~50 us).
  return context_.readers
      ->Run([request = std::move(request), peer, me, max_age, partner,
             context]() -> absl::StatusOr<QueryRequestInfo> {
        absl::StatusOr<QueryRequestInfo> info = OpenQueryRequest(request);
        if (!info.ok()) return info.status();
        absl::Status s =
            CheckEnvelope(*info, peer, me->identity.public_key(), NowMicros(), max_age);
        if (s.ok()) s = Authorize(partner, info->query);
        if (s.ok()) s = ValidateQuery(info->query, context->store->Metrics());
        if (!s.ok()) return s;
        return info;
      })
      .then([context, nonces, refuse](absl::StatusOr<QueryRequestInfo> info) {
        if (!info.ok()) refuse(info.status());
        // 2. The nonce: checked and recorded durably by the single writer.
        std::string requester = info->requester.fingerprint().ToString();
        std::string nonce = info->nonce;
        Timestamp issued_at = info->issued_at;
        return context->writer
            ->Run([context, nonces, requester, nonce, issued_at]() -> absl::Status {
              absl::StatusOr<bool> seen = nonces->Seen(requester, nonce, issued_at);
              if (!seen.ok()) return seen.status();
              if (*seen) {
                return absl::PermissionDeniedError("replayed request: this nonce was already used");
              }
              rocksdb::WriteBatch batch;
              nonces->Remember(requester, nonce, issued_at, &batch);
              return context->database->Write(&batch);
            })
            .then([info = *std::move(info), refuse](absl::Status s) mutable {
              if (!s.ok()) refuse(s);
              return kj::mv(info);
            });
      })
      .then([context, me, refuse](QueryRequestInfo info) {
        // 3. Execute, attest, seal: on a reader thread.
        return context->readers
            ->Run([context, me, info = std::move(info)]() -> absl::StatusOr<std::string> {
              absl::StatusOr<QueryResult> result = ExecuteQuery(*context->store, info.query);
              if (!result.ok()) return result.status();
              AttestationInfo attestation{info.query,
                                          *std::move(result),
                                          me->identity.public_key(),
                                          context->config->name,
                                          info.requester,
                                          info.hash,
                                          NowMicros(),
                                          {}};
              attestation.protection.noise = "";
              absl::StatusOr<SignedBytes> signed_result =
                  SignAttestation(me->identity, attestation);
              if (!signed_result.ok()) return signed_result.status();
              return Seal(info.requester, EncodeSignedResult(*signed_result));
            })
            .then([refuse](absl::StatusOr<std::string> sealed) {
              if (!sealed.ok()) refuse(sealed.status());
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
