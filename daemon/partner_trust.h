// PartnerTrust: whom this daemon's partner connections trust, in both directions — the
// mutual-TLS context built from this participant's identity and exactly the active partners'
// certificates — and the message limits every partner connection reads with.
//
// Reload() rebuilds the context after a partner was registered or revoked; connections open
// already keep the context they were made with (a revoked partner's are closed by the
// listener and the dialer). Threading: the daemon's event loop thread.
#ifndef CAIRN_DAEMON_PARTNER_TRUST_H_
#define CAIRN_DAEMON_PARTNER_TRUST_H_

#include <capnp/message.h>
#include <kj/timer.h>

#include <memory>

#include "absl/status/status.h"
#include "crypto/tls.h"
#include "daemon/service_context.h"
#include "participant/participant_identity.h"
#include "storage/partner_store.h"

namespace cairn {

class PartnerTrust {
 public:
  // All must outlive it. Call Reload() before the first connection.
  PartnerTrust(const ServiceContext& context, kj::Timer& timer, const PartnerStore& partners,
               const ParticipantIdentity& me)
      : context_(context), timer_(timer), partners_(partners), me_(me) {}

  // Builds the context from the active partners now. On error the previous context stays.
  absl::Status Reload();
  // The context for a new connection (null before the first Reload()).
  std::shared_ptr<MutualTls> current() const { return tls_; }

  // Message size (partners.max_message_kib) and nesting limits: a peer that breaks them is
  // disconnected, so one partner cannot make this daemon read without bound.
  capnp::ReaderOptions reader_options() const;

  const ParticipantIdentity& me() const { return me_; }

 private:
  const ServiceContext& context_;
  kj::Timer& timer_;
  const PartnerStore& partners_;
  const ParticipantIdentity& me_;
  std::shared_ptr<MutualTls> tls_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_PARTNER_TRUST_H_
