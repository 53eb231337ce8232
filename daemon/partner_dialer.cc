#include "daemon/partner_dialer.h"

#include "absl/strings/str_cat.h"
#include "crypto/certificate.h"
#include "protocol/rpc_status.h"
#include "protocol/signed_envelope.h"

namespace cairn {

template <typename T>
kj::Promise<T> PartnerDialer::WithDeadline(kj::Promise<T> call, std::string late) {
  kj::Promise<T> deadline = io_.provider->getTimer()
                                .afterDelay(context_.config->ask_timeout_seconds * kj::SECONDS)
                                .then([late = std::move(late)]() -> kj::Promise<T> {
                                  return StatusToException(absl::DeadlineExceededError(late));
                                });
  return call.exclusiveJoin(kj::mv(deadline));
}

kj::Promise<PeerConnection*> PartnerDialer::Connection(const Partner& partner) {
  auto it = connections_.find(partner.fingerprint);
  if (it != connections_.end() && !it->second->broken()) {
    return kj::Promise<PeerConnection*>(it->second.get());
  }
  if (partner.endpoint.empty()) {
    ThrowIfError(absl::FailedPreconditionError(absl::StrCat(
        "partner '", partner.name, "' has no endpoint; register it with --endpoint HOST:PORT")));
  }
  absl::StatusOr<Fingerprint> fp = Fingerprint::Parse(partner.fingerprint);
  ThrowIfError(fp.status());
  std::string key = partner.fingerprint;
  std::string name = partner.name;
  std::string endpoint = partner.endpoint;
  return PeerConnection::Open(io_.provider->getNetwork(), trust_.current(), endpoint, *fp,
                              trust_.reader_options())
      .then(
          [this, key](kj::Own<PeerConnection> connection) {
            PeerConnection* raw = connection.get();
            connections_[key] = kj::mv(connection);
            return raw;
          },
          [name, endpoint](kj::Exception&& e) -> PeerConnection* {
            ThrowIfError(
                absl::UnavailableError(absl::StrCat("cannot reach partner '", name, "' at ",
                                                    endpoint, ": ", e.getDescription().cStr())));
            return nullptr;
          });
}

kj::Promise<std::string> PartnerDialer::CallFederation(const Partner& partner, FederationCall call,
                                                       std::string request) {
  auto reply =
      Connection(partner).then([call, request = std::move(request)](PeerConnection* connection) {
        return connection->CallFederation(call, request);
      });
  return WithDeadline(kj::mv(reply), absl::StrCat("partner '", partner.name, "' did not answer ",
                                                  FederationCallName(call), " in time"));
}

kj::Promise<VerifiedAnswer> PartnerDialer::Ask(const Partner& partner, Query query) {
  absl::StatusOr<CertificateInfo> cert = ParseCertificate(partner.certificate_pem);
  ThrowIfError(cert.status());
  PublicKey key = cert->public_key;
  const ParticipantIdentity* me = &trust_.me();
  absl::StatusOr<SignedBytes> request =
      SignQueryRequest(me->identity, key, query, context_.clock->Now());
  ThrowIfError(request.status());
  const ServiceContext* context = &context_;
  auto answer =
      Connection(partner)
          .then([request = *request, name = partner.name](PeerConnection* connection) {
            return connection->Send(request).catch_([name](kj::Exception&& e) -> std::string {
              absl::Status s = ExceptionToStatus(e);
              ThrowIfError(absl::Status(
                  s.code(), absl::StrCat("partner '", name, "' refused: ", s.message())));
              return "";
            });
          })
          .then([context, me, key, request = *request](std::string sealed) {
            return context->readers->Run([me, key, request, sealed = std::move(sealed)] {
              return OpenAnswer(me->identity, key, request, sealed);
            });
          })
          .then([](absl::StatusOr<VerifiedAnswer> verified) {
            ThrowIfError(verified.status());
            return *std::move(verified);
          });
  return WithDeadline(kj::mv(answer),
                      absl::StrCat("partner '", partner.name, "' did not answer in time"));
}

}  // namespace cairn
