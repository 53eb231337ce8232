#include "daemon/partner_service.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "crypto/hash.h"
#include "crypto/sealing.h"
#include "daemon/failpoint.h"
#include "daemon/release/prepare.h"
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

PartnerQueryRelease::PartnerQueryRelease(const ServiceContext& context,
                                         const ParticipantIdentity& me, Partner partner,
                                         PublicKey peer, SignedBytes envelope)
    : context_(context),
      me_(me),
      peer_(peer),
      envelope_(std::move(envelope)),
      partner_(std::move(partner)),
      subject_(SubjectOf(partner_, Sha256(envelope_.payload), envelope_.signature)) {}

absl::Status PartnerQueryRelease::Open() {
  const Timestamp max_age = context_.config->max_request_age_seconds * kMicrosPerSecond;
  CAIRN_ASSIGN_OR_RETURN(QueryRequestInfo info,
                         OpenQueryRequest(envelope_, {peer_, me_.identity.public_key()}));
  CAIRN_RETURN_IF_ERROR(PartnerService::CheckEnvelope(info, peer_, me_.identity.public_key(),
                                                      context_.clock->Now(), max_age));
  CAIRN_RETURN_IF_ERROR(ValidateQuery(info.query, context_.store->Metrics()));
  request_.emplace(PartnerRequest{partner_, std::move(info), envelope_.signature});
  return absl::OkStatus();
}

absl::Status PartnerQueryRelease::Decide(ReleaseGate& gate) {
  CAIRN_ASSIGN_OR_RETURN(verdict_, gate.Decide(*request_));
  return absl::OkStatus();
}

absl::Status PartnerQueryRelease::Prepare() {
  CsprngSource rng;
  CAIRN_ASSIGN_OR_RETURN(release_,
                         PrepareRelease(*context_.store, verdict_, request_->request.query, rng));
  return absl::OkStatus();
}

absl::Status PartnerQueryRelease::Commit(ReleaseGate& gate) {
  CAIRN_ASSIGN_OR_RETURN(receipt_, gate.Commit(*request_, verdict_, release_));
  return absl::OkStatus();
}

absl::Status PartnerQueryRelease::Attest() {
  CrashAt("before-release");
  const QueryRequestInfo& info = request_->request;
  AttestationInfo attestation{
      info.query,     release_.result, me_.identity.public_key(), context_.config->name,
      info.requester, info.hash,       context_.clock->Now(),     {}};
  Protection& p = attestation.protection;
  p.grant = verdict_.grant ? verdict_.grant->name : "";
  p.policy_version = verdict_.policy_version;
  p.suppressed_groups = release_.suppressed_groups;
  p.noise = release_.noise;
  p.epsilon_spent = static_cast<double>(release_.epsilon_micros) / kMicrosPerEpsilon;
  p.audit_receipt = receipt_.hash;
  CAIRN_ASSIGN_OR_RETURN(SignedBytes signed_result, SignAttestation(me_.identity, attestation));
  CAIRN_ASSIGN_OR_RETURN(sealed_, Seal(info.requester, EncodeSignedResult(signed_result)));
  return absl::OkStatus();
}

void PartnerQueryRelease::Failed(ReleaseGate& gate, const absl::Status& why) {
  gate.RecordFailure(subject_, why);
}

absl::Status PartnerService::ForPartner(const absl::Status& status,
                                        absl::string_view request_hash) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kDeadlineExceeded:
      return status;  // about the request: the partner's to read
    case absl::StatusCode::kUnavailable:
      return absl::UnavailableError(
          "this daemon cannot answer partner queries right now; try again later");
    default:
      return absl::InternalError(absl::StrCat(
          "the owner's daemon failed to answer; its steward finds the details in the audit "
          "log under request ",
          HexEncode(request_hash)));
  }
}

kj::Promise<std::string> PartnerService::Answer(const Partner& partner, const PublicKey& peer,
                                                SignedBytes request) {
  const std::string request_hash = Sha256(request.payload);
  auto release =
      std::make_shared<PartnerQueryRelease>(context_, me_, partner, peer, std::move(request));
  return pipeline_.Run(release).then([release, request_hash](absl::Status s) {
    if (!s.ok()) {
      CAIRN_LOG_DEBUG("a partner query ended with: ", s.message());
      ThrowIfError(ForPartner(s, request_hash));
    }
    return release->TakeSealed();
  });
}

kj::Promise<void> PartnerService::PruneNonces() {
  NonceStore* nonces = &nonces_;
  Timestamp cutoff =
      context_.clock->Now() - 2 * context_.config->max_request_age_seconds * kMicrosPerSecond;
  return context_.writer->Run([nonces, cutoff] { return nonces->Prune(cutoff); })
      .then([](absl::Status s) {
        if (!s.ok()) CAIRN_LOG_WARNING("pruning old nonces failed: ", s.message());
      });
}

}  // namespace cairn
