// PartnerPlane: the daemon's network face towards partners — the mutual-TLS listener, the live
// connections (each bound to one authenticated partner), and the outbound connections this
// daemon uses to ask partners.
//
// Trust is the set of active partners in PartnerStore: ReloadTrust() rebuilds the TLS context
// after a change, and Disconnect() closes a revoked partner's live connections at once.
// Limits, each protecting the daemon from one misbehaving peer while others are served:
// handshake timeout, connections per partner, calls in flight per connection, message size
// and nesting (capnp ReaderOptions). A peer that breaks one is disconnected.
// Everything runs on the daemon's event loop thread.
#ifndef CAIRN_DAEMON_PARTNER_PLANE_H_
#define CAIRN_DAEMON_PARTNER_PLANE_H_

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/tls.h"
#include "participant/participant_identity.h"
#include "daemon/partner_service.h"
#include "daemon/peer_client.h"
#include "daemon/service_context.h"
#include "federation/transport.h"
#include "protocol/federation.capnp.h"
#include "storage/partner_store.h"

namespace cairn {

class PartnerPlane {
 public:
  PartnerPlane(const ServiceContext& context, kj::AsyncIoContext& io, PartnerStore& partners,
               PartnerService& service, const ParticipantIdentity& me);
  ~PartnerPlane();

  // Builds the TLS context from the active partners. Existing connections keep theirs.
  absl::Status ReloadTrust();
  // Binds the partner listener (config partners.listen; "" = off). Unavailable if it cannot.
  absl::Status Listen(const std::string& address);
  // Accepts partners until cancelled. Never resolves if the listener is off.
  kj::Promise<void> Serve();
  // "127.0.0.1:7443" as bound (the real port when 0 was asked for); "" when off.
  const std::string& bound_address() const { return bound_address_; }

  // Closes every live connection (inbound and outbound) of the partner with `fingerprint`.
  uint32_t Disconnect(const std::string& fingerprint);
  uint32_t ConnectionsOf(const std::string& fingerprint) const;

  // Asks `partner` (active, with an endpoint) and verifies the answer.
  kj::Promise<VerifiedAnswer> Ask(const Partner& partner, Query query);

  // Federated rounds (daemon/federation_service.h). The Federation capability a session hands
  // its partner comes from `endpoints` (until set, sessions refuse with UNIMPLEMENTED).
  using FederationEndpoints =
      std::function<proto::Federation::Client(const Partner& partner, const PublicKey& peer)>;
  void SetFederationEndpoints(FederationEndpoints endpoints) {
    federation_endpoints_ = std::move(endpoints);
  }
  // Carries one round message to `partner` (active, reached at partner.endpoint) and resolves
  // to its reply; rejects with its error, Unavailable if it cannot be reached, DeadlineExceeded
  // after partners.ask_timeout_seconds.
  kj::Promise<std::string> CallFederation(const Partner& partner, FederationCall call,
                                          std::string request);

  capnp::ReaderOptions reader_options() const;

 private:
  struct Connection;
  class Session;

  kj::Promise<void> AcceptLoop();
  kj::Promise<void> Handshake(kj::AuthenticatedStream stream);
  void Admit(kj::AuthenticatedStream stream, std::shared_ptr<MutualTls> tls);
  void Drop(uint64_t id);
  kj::Promise<PeerConnection*> Outbound(const Partner& partner);

  const ServiceContext& context_;
  kj::AsyncIoContext& io_;
  PartnerStore& partners_;
  PartnerService& service_;
  const ParticipantIdentity& me_;
  std::shared_ptr<MutualTls> tls_;
  kj::Own<kj::ConnectionReceiver> listener_;
  std::string bound_address_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::map<std::string, kj::Own<PeerConnection>> outbound_;  // by fingerprint
  FederationEndpoints federation_endpoints_;

  class ErrorHandler : public kj::TaskSet::ErrorHandler {
   public:
    void taskFailed(kj::Exception&& exception) override;
  } error_handler_;
  kj::TaskSet tasks_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_PARTNER_PLANE_H_
