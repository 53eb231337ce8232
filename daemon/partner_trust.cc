#include "daemon/partner_trust.h"

namespace cairn {

absl::Status PartnerTrust::Reload() {
  MutualTlsBuilder builder(me_.identity, me_.certificate_pem);
  builder.SetTimer(timer_).SetHandshakeTimeout(context_.config->handshake_timeout_seconds *
                                               kj::SECONDS);
  for (const Partner& p : partners_.Active()) builder.AddTrustedPeer(p.certificate_pem);
  absl::StatusOr<std::unique_ptr<MutualTls>> tls = builder.Build();
  if (!tls.ok()) return tls.status();
  tls_ = std::shared_ptr<MutualTls>(std::move(*tls));
  return absl::OkStatus();
}

capnp::ReaderOptions PartnerTrust::reader_options() const {
  capnp::ReaderOptions options;
  // The traversal limit also caps the size of a message read from the peer.
  options.traversalLimitInWords =
      static_cast<uint64_t>(context_.config->max_message_kib) * 1024 / sizeof(capnp::word);
  options.nestingLimit = 32;
  return options;
}

}  // namespace cairn
