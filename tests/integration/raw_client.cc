#include "tests/integration/raw_client.h"

#include "protocol/rpc_status.h"

namespace cairn::testing {

RawClient::RawClient(const std::string& my_dir, const std::string& server_dir)
    : io_(kj::setupAsyncIo()), me_(*LoadParticipantIdentity(DataDir(my_dir))) {
  server_ = *LoadParticipantIdentity(DataDir(server_dir));
  tls_ = std::shared_ptr<MutualTls>(*MutualTlsBuilder(me_.identity, me_.certificate_pem)
                                         .AddTrustedPeer(server_->certificate_pem)
                                         .SetTimer(io_.provider->getTimer())
                                         .Build());
}

absl::StatusOr<kj::Own<PeerConnection>> RawClient::Connect(const std::string& endpoint) {
  kj::Own<PeerConnection> c;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                 c = PeerConnection::Open(io_.provider->getNetwork(), tls_, endpoint,
                                          server_->certificate.fingerprint, capnp::ReaderOptions())
                         .wait(io_.waitScope);
               })) {
    return ExceptionToStatus(*e);
  }
  return c;
}

SignedBytes RawClient::Sign(Timestamp at) {
  Query q;
  q.metric = "co2e_scope1";
  q.group_tags = {"product"};
  return *SignQueryRequest(me_.identity, server_->certificate.public_key, q, at);
}

absl::StatusOr<std::string> RawClient::Send(PeerConnection& c, const SignedBytes& request) {
  std::string sealed;
  KJ_IF_MAYBE (e,
               kj::runCatchingExceptions([&] { sealed = c.Send(request).wait(io_.waitScope); })) {
    return ExceptionToStatus(*e);
  }
  return sealed;
}

void RawClient::Pump(int ms) {
  io_.provider->getTimer().afterDelay(ms * kj::MILLISECONDS).wait(io_.waitScope);
}

}  // namespace cairn::testing
