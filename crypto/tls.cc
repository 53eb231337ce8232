// Mutual TLS on kj-tls; see tls.h.
#include "crypto/tls.h"

#include <kj/debug.h>

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/secret.h"

namespace cairn {
namespace {

std::string DescribeKjException(const kj::Exception& e) {
  return std::string(e.getDescription().cStr());
}

}  // namespace

kj::Promise<kj::AuthenticatedStream> MutualTls::WrapServer(kj::AuthenticatedStream stream) {
  // kj applies acceptTimeout (set from handshake_timeout_) inside wrapServer.
  return context_->wrapServer(kj::mv(stream));
}

kj::Promise<kj::AuthenticatedStream> MutualTls::WrapClient(kj::AuthenticatedStream stream,
                                                           const Fingerprint& server) {
  // wrapClient copies the host name into OpenSSL before it returns.
  const std::string host = server.HostName();
  return timer_->timeoutAfter(handshake_timeout_,
                              context_->wrapClient(kj::mv(stream), kj::StringPtr(host.c_str())));
}

MutualTlsBuilder::MutualTlsBuilder(const Identity& identity, absl::string_view certificate_pem)
    : identity_(identity), certificate_pem_(certificate_pem) {}

MutualTlsBuilder& MutualTlsBuilder::AddTrustedPeer(absl::string_view certificate_pem) {
  trusted_pems_.emplace_back(certificate_pem);
  return *this;
}

MutualTlsBuilder& MutualTlsBuilder::SetTimer(kj::Timer& timer) {
  timer_ = &timer;
  return *this;
}

MutualTlsBuilder& MutualTlsBuilder::SetHandshakeTimeout(kj::Duration timeout) {
  handshake_timeout_ = timeout;
  return *this;
}

absl::StatusOr<std::unique_ptr<MutualTls>> MutualTlsBuilder::Build() {
  if (timer_ == nullptr) {
    return absl::InvalidArgumentError(
        "mutual TLS needs the event loop's timer (SetTimer) for its handshake timeout");
  }
  if (handshake_timeout_ <= 0 * kj::SECONDS || handshake_timeout_ > kMaxHandshakeTimeout) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS handshake timeout must be positive and at most ", kMaxHandshakeTimeout / kj::SECONDS,
        " s, got ", handshake_timeout_ / kj::MILLISECONDS, " ms"));
  }

  absl::StatusOr<CertificateInfo> own = ParseCertificate(certificate_pem_);
  if (!own.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("own certificate: ", own.status().message()));
  }
  if (own->public_key != identity_.public_key()) {
    return absl::InvalidArgumentError(
        absl::StrCat("own certificate is for ", own->fingerprint.ToString(),
                     " but this identity is ", identity_.fingerprint().ToString()));
  }

  std::vector<CertificateInfo> trusted;
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < trusted_pems_.size(); ++i) {
    absl::StatusOr<CertificateInfo> peer = ParseCertificate(trusted_pems_[i]);
    if (!peer.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("trusted peer certificate #", i + 1, ": ", peer.status().message()));
    }
    if (seen.insert(peer->pem).second) trusted.push_back(*std::move(peer));
  }

  CAIRN_ASSIGN_OR_RETURN(SecretBytes key_pem, PrivateKeyPem(identity_));

  std::unique_ptr<MutualTls> tls(new MutualTls(*std::move(own), std::move(trusted)));
  tls->timer_ = timer_;
  tls->handshake_timeout_ = handshake_timeout_;
  KJ_IF_MAYBE (exception, kj::runCatchingExceptions([&]() {
                 const MutualTls& t = *tls;
                 tls->keypair_ = kj::TlsKeypair{
                     kj::TlsPrivateKey(kj::StringPtr(key_pem.c_str(), key_pem.size())),
                     kj::TlsCertificate(kj::StringPtr(t.own_certificate_.pem.c_str()))};
                 auto certificates =
                     kj::heapArrayBuilder<kj::TlsCertificate>(t.trusted_peers_.size());
                 for (const CertificateInfo& peer : t.trusted_peers_) {
                   certificates.add(kj::StringPtr(peer.pem.c_str()));
                 }
                 tls->trusted_certificates_ = certificates.finish();

                 kj::TlsContext::Options& options = tls->options_;
                 options.useSystemTrustStore = false;
                 options.verifyClients = true;
                 options.trustedCertificates = tls->trusted_certificates_;
                 options.minVersion = kj::TlsVersion::TLS_1_2;
                 options.defaultKeypair = KJ_ASSERT_NONNULL(tls->keypair_);
                 options.timer = *timer_;
                 options.acceptTimeout = handshake_timeout_;
                 tls->context_ = kj::heap<kj::TlsContext>(options);
               })) {
    return absl::InternalError(
        absl::StrCat("cannot set up the TLS context: ", DescribeKjException(*exception)));
  }
  return tls;
}

absl::StatusOr<Fingerprint> PeerFingerprint(kj::PeerIdentity& peer) {
  auto* tls = dynamic_cast<kj::TlsPeerIdentity*>(&peer);
  if (tls == nullptr) {
    return absl::FailedPreconditionError("peer identity does not come from a TLS handshake");
  }
  if (!tls->hasCertificate()) {
    return absl::UnauthenticatedError("TLS peer presented no certificate");
  }
  kj::String common_name;
  KJ_IF_MAYBE (exception,
               kj::runCatchingExceptions([&]() { common_name = tls->getCommonName(); })) {
    return absl::UnauthenticatedError(
        absl::StrCat("TLS peer certificate has no readable CN: ", DescribeKjException(*exception)));
  }
  const absl::string_view cn(common_name.cStr(), common_name.size());
  absl::StatusOr<Fingerprint> fingerprint = Fingerprint::Parse(cn);
  if (!fingerprint.ok() || fingerprint->ToString() != cn) {
    return absl::UnauthenticatedError("TLS peer certificate CN is not a Cairn fingerprint");
  }
  // The CN alone suffices: every trusted certificate passed ParseCertificate (CN = fingerprint
  // of its own key) and is CA:FALSE, so no chain can end in a certificate with someone else's
  // CN. (kj 0.9.2 declares TlsPeerIdentity::matchesHostname but does not implement it, so the
  // subjectAltName cannot be cross-checked here.)
  return *fingerprint;
}

}  // namespace cairn
