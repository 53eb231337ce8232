// PartnerListener: partners reaching this daemon — the mutual-TLS listener and the live
// connections, each bound to the one partner its handshake authenticated. A connection hands
// its partner a session (queries, through the partner door, partner_service.h) and a Federation
// capability (rounds, through the member endpoint it was built with). This daemon asking its
// partners is the dialer's (partner_dialer.h); whom both trust is PartnerTrust's.
//
// Disconnect() closes a revoked partner's live connections at once.
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
#ifndef CAIRN_DAEMON_PARTNER_LISTENER_H_
#define CAIRN_DAEMON_PARTNER_LISTENER_H_

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
#include "daemon/partner_service.h"
#include "daemon/partner_trust.h"
#include "daemon/service_context.h"
#include "participant/participant_identity.h"
#include "protocol/federation.capnp.h"
#include "protocol/partner.capnp.h"
#include "storage/partner_store.h"

namespace cairn {

class PartnerListener {
 public:
  // The Federation capability a session hands its partner (one per connection).
  using FederationEndpoints =
      std::function<proto::Federation::Client(const Partner& partner, const PublicKey& peer)>;

  // All must outlive it.
  PartnerListener(const ServiceContext& context, kj::AsyncIoContext& io,
                  const PartnerStore& partners, const PartnerTrust& trust, PartnerService& queries,
                  FederationEndpoints federation);
  ~PartnerListener();

  // Binds the partner listener (config partners.listen; "" = off). Unavailable if it cannot.
  absl::Status Listen(const std::string& address);
  // Accepts partners until cancelled. Never resolves if the listener is off.
  kj::Promise<void> Serve();
  // "127.0.0.1:7443" as bound (the real port when 0 was asked for); "" when off.
  const std::string& bound_address() const { return bound_address_; }

  // Closes every live connection of the partner with `fingerprint`; how many it closed.
  uint32_t Disconnect(const std::string& fingerprint);
  uint32_t ConnectionsOf(const std::string& fingerprint) const;

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

  const ServiceContext& context_;
  kj::AsyncIoContext& io_;
  const PartnerStore& partners_;
  const PartnerTrust& trust_;
  PartnerService& queries_;
  FederationEndpoints federation_;
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

  class ErrorHandler : public kj::TaskSet::ErrorHandler {
   public:
    void taskFailed(kj::Exception&& exception) override;
  } error_handler_;
  kj::TaskSet tasks_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_PARTNER_LISTENER_H_
