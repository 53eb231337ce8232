// PartnerPlane: the daemon's network face towards partners — the mutual-TLS listener, the live
// connections (each bound to one authenticated partner), and the outbound connections this
// daemon uses to ask partners.
//
// Trust is the set of active partners in PartnerStore: ReloadTrust() rebuilds the TLS context
// after a change, and Disconnect() closes a revoked partner's live connections at once.
//
// Limits (config [partners]; docs/operator.md). The port is open to anyone who can reach it,
// so what an unauthenticated peer can hold is bounded first, then what a partner can:
// - pending TLS handshakes: handshake_timeout_seconds each, max_pending_handshakes in all and
//   max_pending_handshakes_per_address from one source address. When either is full the
//   oldest pending handshake from that address (or, for the first, from the address holding
//   the most) is dropped to make room: a flood churns through its own connections while a real
//   partner's fresh handshake gets through, even a slow one.
// - live connections: max_connections in all, max_connections_per_partner each; one past a
//   limit is closed after its handshake.
// - calls in flight: max_calls_in_flight per connection, counted over every capability the
//   connection hands out (its session and its one Federation capability), and
//   max_queued_calls of all partners together — their share of the worker queues
//   (daemon/worker_thread.h). A call past either is refused with RESOURCE_EXHAUSTED and the
//   connection stays up.
// - message size and nesting (capnp ReaderOptions): a peer that breaks them is disconnected.
// A failed accept (out of descriptors) is retried after a pause (daemon/acceptor.h), and
// repeated events (failed handshakes, refusals) are logged at most once per 10 s with a count.
// Everything runs on the daemon's event loop thread.
#ifndef CAIRN_DAEMON_PARTNER_PLANE_H_
#define CAIRN_DAEMON_PARTNER_PLANE_H_

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/tls.h"
#include "daemon/acceptor.h"
#include "daemon/in_flight_limit.h"
#include "daemon/log_throttle.h"
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
  struct PendingHandshake {
    std::string address;  // the peer's, without the port
    kj::Own<kj::Canceler> canceler;
  };
  class Session;
  class AdmittedCapability;

  // The two places a partner's call takes: one of its connection's, one of all partners'.
  struct CallTickets {
    InFlightLimit::Ticket connection;
    InFlightLimit::Ticket partners;
  };
  // Throws RESOURCE_EXHAUSTED if either limit is full.
  CallTickets AdmitCall(InFlightLimit& connection, const std::string& partner);

  void Handshake(kj::AuthenticatedStream stream);
  // The source address with the most pending handshakes.
  std::string BusiestAddress() const;
  // Drops the oldest pending handshake from `address`; `limit` says which limit was reached.
  void DropOldestHandshake(const std::string& address, const std::string& limit);
  void EndHandshake(uint64_t id);
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
  kj::Own<Acceptor> acceptor_;
  std::string bound_address_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::unique_ptr<Connection>> connections_;
  // By id, so the first is the oldest; and how many come from each source address.
  std::map<uint64_t, PendingHandshake> pending_;
  std::map<std::string, int64_t> pending_per_address_;
  // All partners' calls in the worker queues (partners.max_queued_calls).
  InFlightLimit partner_calls_;
  // One line per 10 s for each kind of event a flood repeats.
  LogThrottle handshakes_failed_, handshakes_dropped_, connections_refused_, calls_refused_;
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
