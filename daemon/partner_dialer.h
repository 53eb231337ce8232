// PartnerDialer: this daemon asking its partners — a signed query to one partner's daemon
// (`cairnctl query --peer`), and the messages of a federated round this daemon runs. One
// mutual-TLS connection per partner is kept open and reused; a broken one is re-dialled.
//
// Every call has a deadline (partners.ask_timeout_seconds): past it the call fails with
// DEADLINE_EXCEEDED, decided by the deadline's own branch, not by reading an error's text.
// Threading: the daemon's event loop thread.
#ifndef CAIRN_DAEMON_PARTNER_DIALER_H_
#define CAIRN_DAEMON_PARTNER_DIALER_H_

#include <kj/async-io.h>

#include <map>
#include <string>

#include "daemon/partner_trust.h"
#include "daemon/peer_client.h"
#include "daemon/service_context.h"
#include "federation/transport.h"
#include "model/query.h"
#include "storage/partner_store.h"

namespace cairn {

class PartnerDialer {
 public:
  PartnerDialer(const ServiceContext& context, kj::AsyncIoContext& io, const PartnerTrust& trust)
      : context_(context), io_(io), trust_(trust) {}
  ~PartnerDialer() { connections_.clear(); }

  // Asks `partner` (active, with an endpoint) and verifies the answer. Rejects with the
  // partner's refusal, UNAVAILABLE if it cannot be reached, DEADLINE_EXCEEDED if it is late.
  kj::Promise<VerifiedAnswer> Ask(const Partner& partner, Query query);
  // Carries one round message to `partner` (reached at partner.endpoint) and resolves to its
  // reply; errors as Ask.
  kj::Promise<std::string> CallFederation(const Partner& partner, FederationCall call,
                                          std::string request);
  // Closes the connection to the partner with `fingerprint`, if one is open (it was revoked).
  void Forget(const std::string& fingerprint) { connections_.erase(fingerprint); }

 private:
  kj::Promise<PeerConnection*> Connection(const Partner& partner);
  template <typename T>
  kj::Promise<T> WithDeadline(kj::Promise<T> call, std::string late);

  const ServiceContext& context_;
  kj::AsyncIoContext& io_;
  const PartnerTrust& trust_;
  std::map<std::string, kj::Own<PeerConnection>> connections_;  // by fingerprint
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_PARTNER_DIALER_H_
