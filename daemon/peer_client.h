// PeerConnection: this daemon's outbound connection to one partner's daemon, over mutual TLS
// with the partner's key pinned, carrying signed requests and sealed answers.
//
// OpenAnswer() is the requester's side of the envelope checks: it opens the sealed box with our
// key, verifies the attestation's signature, and checks that it was made by the partner we
// asked, for us, in answer to exactly our request. All on the caller's event loop thread
// (PeerConnection) / thread-safe (OpenAnswer).
#ifndef CAIRN_DAEMON_PEER_CLIENT_H_
#define CAIRN_DAEMON_PEER_CLIENT_H_

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/identity.h"
#include "crypto/public_key.h"
#include "crypto/tls.h"
#include "federation/transport.h"
#include "protocol/federation.capnp.h"
#include "protocol/partner.capnp.h"
#include "protocol/signed_envelope.h"

namespace cairn {

class PeerConnection {
 public:
  // Connects to `endpoint` ("host:port") and completes the TLS handshake expecting `server`'s
  // key. Rejects (kj exception) if the peer cannot be reached or is not that key.
  static kj::Promise<kj::Own<PeerConnection>> Open(kj::Network& network,
                                                   std::shared_ptr<MutualTls> tls,
                                                   std::string endpoint, Fingerprint server,
                                                   capnp::ReaderOptions options);
  ~PeerConnection();

  // Sends one signed request; resolves to the sealed answer. Rejects with the partner's refusal
  // ("PERMISSION_DENIED: ...") or a transport error.
  kj::Promise<std::string> Send(const SignedBytes& request);
  // Carries one federated-round message (federation/transport.h) to the partner's Federation
  // capability; resolves to its reply. Rejects with the partner's error ("PERMISSION_DENIED:
  // ...") or a transport error.
  kj::Promise<std::string> CallFederation(FederationCall call, const std::string& request);
  // True once the connection has failed; the caller should open a new one.
  bool broken() const { return *broken_; }
  // The partner's session capability, for callers that drive the protocol by hand (tests).
  proto::PartnerSession::Client& session() { return session_; }

  PeerConnection(std::shared_ptr<MutualTls> tls, kj::Own<kj::AsyncIoStream> stream,
                 capnp::ReaderOptions options);

 private:
  std::shared_ptr<MutualTls> tls_;  // the context the stream was made with
  kj::Own<kj::AsyncIoStream> stream_;
  kj::Own<capnp::TwoPartyVatNetwork> network_;
  kj::Own<capnp::RpcSystem<capnp::rpc::twoparty::VatId>> rpc_;
  proto::PartnerSession::Client session_ = nullptr;
  kj::Maybe<proto::Federation::Client> federation_;  // asked for on first use
  std::shared_ptr<bool> broken_ = std::make_shared<bool>(false);
  kj::Promise<void> watch_disconnect_ = nullptr;
};

struct VerifiedAnswer {
  SignedBytes signed_result;
  AttestationInfo attestation;
};

// Opens and checks a sealed answer to `request`. Unauthenticated if it was not sealed to `me`,
// is not signed by `expected_attester`, names another requester, or answers another request;
// InvalidArgument if malformed.
absl::StatusOr<VerifiedAnswer> OpenAnswer(const Identity& me, const PublicKey& expected_attester,
                                          const SignedBytes& request, absl::string_view sealed);

}  // namespace cairn

#endif  // CAIRN_DAEMON_PEER_CLIENT_H_
