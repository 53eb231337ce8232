// Mutual TLS between Cairn daemons and partner tools, on kj-tls (Cap'n Proto 0.9.2) and
// OpenSSL 3.
//
// Trust is pinning, not a CA: each side's trust store is exactly the certificates of its
// registered partners (system roots are off), the server demands a client certificate, and a
// client names the server it expects by the fingerprint's host name "<base32>.cairn", which only
// that key's certificate carries. Every trusted certificate has passed ParseCertificate, so it
// is CA:FALSE: no partner can vouch for another key, and the CN of an authenticated peer
// certificate is therefore the fingerprint of the key that completed the handshake
// (PeerFingerprint).
//
// Versions: kj 0.9 can only set a minimum (TLS 1.2, via SSL_OP_NO_*); TLS 1.3 is negotiated when
// both sides have it (OpenSSL 3 always does; measured: TLS_AES_256_GCM_SHA384, and
// ECDHE-ECDSA-AES128-GCM-SHA256 with Ed25519 keys under TLS 1.2). kj's default TLS 1.2 cipher
// list (ECDHE + AEAD only) is kept.
//
// kj 0.9 details this relies on: verifyClients sets SSL_VERIFY_PEER on the shared SSL_CTX, so
// the client side also aborts the handshake on an untrusted, expired or wrongly named server
// certificate (kj then reports only "certificate verify failed", not which check failed).
// kj applies its accept timeout to the server side only; WrapClient applies the same limit to
// the client side. TlsPeerIdentity::matchesHostname is declared but not implemented in 0.9.2
// (link error), and the peer's X509 is private, so the CN is all a server can read.
//
// Threading: a MutualTls and the streams it wraps belong to the thread whose kj event loop
// owns the timer given to the builder. Changing the set of trusted peers means building a new
// MutualTls (connections made with the old one keep their authenticated identity).
#ifndef CAIRN_CRYPTO_TLS_H_
#define CAIRN_CRYPTO_TLS_H_

#include <kj/async-io.h>
#include <kj/compat/tls.h>
#include <kj/time.h>
#include <kj/timer.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/certificate.h"
#include "crypto/identity.h"
#include "crypto/public_key.h"

namespace cairn {

// A handshake that has not finished by then is abandoned and its connection closed, so that
// peers which connect and stay silent cannot hold connections open.
inline constexpr kj::Duration kDefaultHandshakeTimeout = 10 * kj::SECONDS;
inline constexpr kj::Duration kMaxHandshakeTimeout = 300 * kj::SECONDS;

// A TLS context for one identity and one set of trusted peers, with the key material it was
// built from.
class MutualTls {
 public:
  // Wraps an accepted connection as the TLS server. Resolves once the handshake completed and
  // the client's certificate verified against the trust store; rejects (kj exception) if the
  // client is unknown, offers no or an invalid certificate, or the handshake timed out. The
  // peer identity of the result is a kj::TlsPeerIdentity: pass it to PeerFingerprint.
  kj::Promise<kj::AuthenticatedStream> WrapServer(kj::AuthenticatedStream stream);

  // Wraps an outgoing connection as the TLS client that expects `server`'s key. Rejects if the
  // server presents any other key, an untrusted or invalid certificate, or the handshake timed
  // out. Note that with TLS 1.3 the client finishes first: a server that refuses the client's
  // certificate shows up as a failed first read, not a failed WrapClient.
  kj::Promise<kj::AuthenticatedStream> WrapClient(kj::AuthenticatedStream stream,
                                                  const Fingerprint& server);

  kj::TlsContext& context() { return *context_; }
  // The options the context was built with (for inspection; the references stay valid for the
  // lifetime of this object).
  const kj::TlsContext::Options& options() const { return options_; }
  const CertificateInfo& own_certificate() const { return own_certificate_; }
  const std::vector<CertificateInfo>& trusted_peers() const { return trusted_peers_; }

  MutualTls(const MutualTls&) = delete;
  MutualTls& operator=(const MutualTls&) = delete;

 private:
  friend class MutualTlsBuilder;
  MutualTls(CertificateInfo own_certificate, std::vector<CertificateInfo> trusted_peers)
      : own_certificate_(std::move(own_certificate)), trusted_peers_(std::move(trusted_peers)) {}

  CertificateInfo own_certificate_;
  std::vector<CertificateInfo> trusted_peers_;
  kj::Maybe<kj::TlsKeypair> keypair_;
  kj::Array<kj::TlsCertificate> trusted_certificates_;
  kj::TlsContext::Options options_;
  kj::Timer* timer_ = nullptr;
  kj::Duration handshake_timeout_ = kDefaultHandshakeTimeout;
  kj::Own<kj::TlsContext> context_;
};

// Validates the key material and builds a MutualTls.
//
//   CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<MutualTls> tls,
//       MutualTlsBuilder(identity, own_cert_pem)
//           .AddTrustedPeer(partner_cert_pem)
//           .SetTimer(io.provider->getTimer())
//           .Build());
class MutualTlsBuilder {
 public:
  // `identity` must outlive Build(); `certificate_pem` must be its certificate.
  MutualTlsBuilder(const Identity& identity, absl::string_view certificate_pem);

  // A partner whose key may connect to us and whom we may connect to. Any number, including
  // none (then every peer is refused). The same certificate twice counts once.
  MutualTlsBuilder& AddTrustedPeer(absl::string_view certificate_pem);
  // Required: the event loop's timer, used for the handshake timeout. Must outlive the result.
  MutualTlsBuilder& SetTimer(kj::Timer& timer);
  // Default kDefaultHandshakeTimeout; must be positive and at most kMaxHandshakeTimeout.
  MutualTlsBuilder& SetHandshakeTimeout(kj::Duration timeout);

  // InvalidArgument if our certificate or any trusted one fails ParseCertificate (the message
  // says which one, by position), if our certificate is not for `identity`'s key, if the timer
  // is missing or the timeout out of range; Internal if OpenSSL or kj refuse the material.
  absl::StatusOr<std::unique_ptr<MutualTls>> Build();

 private:
  const Identity& identity_;
  std::string certificate_pem_;
  std::vector<std::string> trusted_pems_;
  kj::Timer* timer_ = nullptr;
  kj::Duration handshake_timeout_ = kDefaultHandshakeTimeout;
};

// The fingerprint of the peer authenticated by a MutualTls handshake, read from the peer
// identity of the wrapped stream. FailedPrecondition if `peer` is not a kj::TlsPeerIdentity;
// Unauthenticated if the peer presented no certificate or its CN is not a fingerprint.
absl::StatusOr<Fingerprint> PeerFingerprint(kj::PeerIdentity& peer);

}  // namespace cairn

#endif  // CAIRN_CRYPTO_TLS_H_
