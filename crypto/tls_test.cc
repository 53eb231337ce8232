// Mutual TLS over loopback: who gets in, who is refused, and how long a silent peer may stay.
#include "crypto/tls.h"

#include <arpa/inet.h>
#include <kj/debug.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crypto/certificate.h"
#include "crypto/openssl_util.h"
#include "crypto/test_certificates.h"
#include "crypto/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FixedIdentity;
using ::cairn::testing_util::IsOk;
using ::cairn::testing_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Generous for loopback, short enough that the timeout tests stay quick.
constexpr kj::Duration kTestHandshakeTimeout = 2 * kj::SECONDS;
// No test may wait longer than this for a connection to settle.
constexpr kj::Duration kTestGuard = 10 * kj::SECONDS;

Timestamp Now() { return absl::ToUnixMicros(absl::Now()); }

// A participant: an identity and its certificate.
struct Party {
  Identity identity;
  std::string certificate;
  Fingerprint fingerprint() const { return identity.fingerprint(); }
};

Party ValidParty(uint8_t seed, absl::string_view name) {
  Identity identity = FixedIdentity(seed);
  std::string pem = CertificateBuilder(identity).SetDisplayName(name).Build().value();
  return Party{std::move(identity), std::move(pem)};
}

Party PartyValidBetween(uint8_t seed, absl::string_view name, Timestamp from, Timestamp to) {
  Identity identity = FixedIdentity(seed);
  std::string pem =
      CertificateBuilder(identity).SetDisplayName(name).SetValidity(from, to).Build().value();
  return Party{std::move(identity), std::move(pem)};
}

// What one end of a connection saw.
struct Side {
  absl::StatusOr<Fingerprint> peer = absl::UnknownError("handshake did not complete");
  std::string error;       // the kj exception that ended this side, if any
  bool exchanged = false;  // "ping"/"pong" went through after the handshake
};

struct Outcome {
  Side server;
  Side client;
  bool Connected() const { return server.exchanged && client.exchanged; }
};

// A bare kj TLS context, for peers that do not use MutualTls: impostors with forged
// certificates and clients with no certificate.
struct RawTls {
  kj::Maybe<kj::TlsKeypair> keypair;
  kj::Array<kj::TlsCertificate> trusted;
  kj::Own<kj::TlsContext> context;
};

std::unique_ptr<RawTls> MakeRawTls(const Identity* key_owner, const std::string& certificate_chain,
                                   std::initializer_list<const std::string*> trusted) {
  auto raw = std::make_unique<RawTls>();
  kj::TlsContext::Options options;
  options.useSystemTrustStore = false;
  options.verifyClients = true;
  if (key_owner != nullptr) {
    const SecretBytes key = PrivateKeyPem(*key_owner).value();
    raw->keypair = kj::TlsKeypair{kj::TlsPrivateKey(kj::StringPtr(key.c_str(), key.size())),
                                  kj::TlsCertificate(kj::StringPtr(certificate_chain.c_str()))};
    options.defaultKeypair = KJ_ASSERT_NONNULL(raw->keypair);
  }
  auto builder = kj::heapArrayBuilder<kj::TlsCertificate>(trusted.size());
  for (const std::string* pem : trusted) builder.add(kj::StringPtr(pem->c_str()));
  raw->trusted = builder.finish();
  options.trustedCertificates = raw->trusted;
  raw->context = kj::heap<kj::TlsContext>(options);
  return raw;
}

class MutualTlsTest : public ::testing::Test {
 protected:
  using Wrap = std::function<kj::Promise<kj::AuthenticatedStream>(kj::AuthenticatedStream)>;

  kj::Timer& timer() { return io_.provider->getTimer(); }
  kj::Network& network() { return io_.provider->getNetwork(); }

  std::unique_ptr<MutualTls> Tls(const Party& self, std::initializer_list<const Party*> trusted,
                                 kj::Duration timeout = kTestHandshakeTimeout) {
    MutualTlsBuilder builder(self.identity, self.certificate);
    for (const Party* peer : trusted) builder.AddTrustedPeer(peer->certificate);
    return builder.SetTimer(timer()).SetHandshakeTimeout(timeout).Build().value();
  }

  static Wrap ServerOf(MutualTls& tls) {
    return [&tls](kj::AuthenticatedStream s) { return tls.WrapServer(kj::mv(s)); };
  }
  static Wrap ClientOf(MutualTls& tls, const Fingerprint& expected_server) {
    return [&tls, expected_server](kj::AuthenticatedStream s) {
      return tls.WrapClient(kj::mv(s), expected_server);
    };
  }
  static Wrap RawServerOf(RawTls& raw) {
    return [&raw](kj::AuthenticatedStream s) { return raw.context->wrapServer(kj::mv(s)); };
  }
  static Wrap RawClientOf(RawTls& raw, const Fingerprint& expected_server) {
    return [&raw, host = expected_server.HostName()](kj::AuthenticatedStream s) {
      return raw.context->wrapClient(kj::mv(s), kj::StringPtr(host.c_str()));
    };
  }

  // One connection over 127.0.0.1 (port 0): the server end wrapped by `server`, the client end
  // by `client`; then the client sends "ping" and the server answers "pong".
  Outcome Connect(const Wrap& server, const Wrap& client) {
    Outcome outcome;
    kj::Own<kj::ConnectionReceiver> listener =
        network().parseAddress("127.0.0.1", 0).wait(io_.waitScope)->listen();
    kj::Own<kj::NetworkAddress> address =
        network().parseAddress("127.0.0.1", listener->getPort()).wait(io_.waitScope);

    auto server_done =
        listener->acceptAuthenticated()
            .then([&](kj::AuthenticatedStream s) { return server(kj::mv(s)); })
            .then([&](kj::AuthenticatedStream s) { return AnswerPing(kj::mv(s), outcome.server); })
            .catch_([&](kj::Exception&& e) { Record(e, outcome.server); });
    auto client_done =
        address->connectAuthenticated()
            .then([&](kj::AuthenticatedStream s) { return client(kj::mv(s)); })
            .then([&](kj::AuthenticatedStream s) { return SendPing(kj::mv(s), outcome.client); })
            .catch_([&](kj::Exception&& e) { Record(e, outcome.client); });
    auto both = kj::joinPromises(kj::arr(kj::mv(server_done), kj::mv(client_done)));
    timer().timeoutAfter(kTestGuard, kj::mv(both)).wait(io_.waitScope);
    return outcome;
  }

  static void Record(const kj::Exception& e, Side& side) { side.error = e.getDescription().cStr(); }

  static kj::Promise<void> AnswerPing(kj::AuthenticatedStream s, Side& side) {
    side.peer = PeerFingerprint(*s.peerIdentity);
    auto buffer = kj::heapArray<kj::byte>(4);
    kj::AsyncIoStream& stream = *s.stream;
    kj::byte* data = buffer.begin();
    return stream.tryRead(data, 4, 4)
        .then([&stream, &side, data](size_t n) -> kj::Promise<void> {
          if (n != 4 || std::memcmp(data, "ping", 4) != 0) {
            side.error = "no ping";
            return kj::READY_NOW;
          }
          return stream.write("pong", 4).then([&side]() { side.exchanged = true; });
        })
        .attach(kj::mv(s.stream), kj::mv(buffer));
  }

  static kj::Promise<void> SendPing(kj::AuthenticatedStream s, Side& side) {
    side.peer = PeerFingerprint(*s.peerIdentity);
    auto buffer = kj::heapArray<kj::byte>(4);
    kj::AsyncIoStream& stream = *s.stream;
    kj::byte* data = buffer.begin();
    return stream.write("ping", 4)
        .then([&stream, data]() { return stream.tryRead(data, 4, 4); })
        .then([&side, data](size_t n) {
          side.exchanged = n == 4 && std::memcmp(data, "pong", 4) == 0;
          if (!side.exchanged) side.error = absl::StrCat("no pong (", n, " bytes)");
        })
        .attach(kj::mv(s.stream), kj::mv(buffer));
  }

  // Connects `client` to `server` the normal way: each trusts the other, the client pins the
  // server's fingerprint.
  Outcome ConnectPinned(const Party& server, const Party& client) {
    auto server_tls = Tls(server, {&client});
    auto client_tls = Tls(client, {&server});
    return Connect(ServerOf(*server_tls), ClientOf(*client_tls, server.fingerprint()));
  }

  // Held by pointer: kj destructors may throw, which gtest fixtures' destructors may not.
  std::unique_ptr<kj::AsyncIoContext> io_holder_ =
      std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo());
  kj::AsyncIoContext& io_ = *io_holder_;
  const Party plant_ = ValidParty(1, "Acme Steel");      // the data owner, server
  const Party carmaker_ = ValidParty(2, "Carmaker AG");  // a registered partner, client
  const Party stranger_ = ValidParty(3, "Stranger Ltd");
};

TEST_F(MutualTlsTest, OptionsPinExactlyThePartners) {
  auto tls = Tls(plant_, {&carmaker_, &stranger_, &carmaker_});
  const kj::TlsContext::Options& options = tls->options();
  EXPECT_FALSE(options.useSystemTrustStore);
  EXPECT_TRUE(options.verifyClients);
  EXPECT_EQ(options.minVersion, kj::TlsVersion::TLS_1_2);
  EXPECT_EQ(options.trustedCertificates.size(), 2u);  // the duplicate counts once
  EXPECT_TRUE(options.defaultKeypair != nullptr);
  EXPECT_EQ(KJ_ASSERT_NONNULL(options.acceptTimeout), kTestHandshakeTimeout);
  EXPECT_EQ(tls->own_certificate().fingerprint, plant_.fingerprint());
  ASSERT_EQ(tls->trusted_peers().size(), 2u);
  EXPECT_EQ(tls->trusted_peers()[0].fingerprint, carmaker_.fingerprint());
}

TEST_F(MutualTlsTest, KnownPartnersConnectAndSeeEachOthersFingerprint) {
  const Outcome outcome = ConnectPinned(plant_, carmaker_);
  EXPECT_TRUE(outcome.Connected()) << outcome.server.error << " / " << outcome.client.error;
  EXPECT_THAT(outcome.server.peer, IsOk());
  EXPECT_EQ(outcome.server.peer.value_or(stranger_.fingerprint()), carmaker_.fingerprint());
  EXPECT_EQ(outcome.client.peer.value_or(stranger_.fingerprint()), plant_.fingerprint());
}

TEST_F(MutualTlsTest, ServerRefusesAClientNotInItsTrustStore) {
  auto server_tls = Tls(plant_, {&carmaker_});
  auto stranger_tls = Tls(stranger_, {&plant_});
  const Outcome outcome =
      Connect(ServerOf(*server_tls), ClientOf(*stranger_tls, plant_.fingerprint()));
  EXPECT_FALSE(outcome.Connected());
  EXPECT_FALSE(outcome.server.peer.ok());
  EXPECT_THAT(outcome.server.error, HasSubstr("certificate verify failed"));
  EXPECT_THAT(outcome.client.error, Not(IsEmpty()));
}

TEST_F(MutualTlsTest, ServerRefusesAClientWithoutACertificate) {
  auto server_tls = Tls(plant_, {&carmaker_});
  auto anonymous = MakeRawTls(nullptr, "", {&plant_.certificate});
  const Outcome outcome =
      Connect(ServerOf(*server_tls), RawClientOf(*anonymous, plant_.fingerprint()));
  EXPECT_FALSE(outcome.Connected());
  EXPECT_FALSE(outcome.server.peer.ok());
  EXPECT_THAT(outcome.server.error, HasSubstr("certificate"));
}

TEST_F(MutualTlsTest, ClientRefusesAServerItDoesNotTrust) {
  auto stranger_server = Tls(stranger_, {&carmaker_});
  auto client_tls = Tls(carmaker_, {&plant_});
  const Outcome outcome =
      Connect(ServerOf(*stranger_server), ClientOf(*client_tls, stranger_.fingerprint()));
  EXPECT_FALSE(outcome.Connected());
  EXPECT_FALSE(outcome.client.peer.ok());
  EXPECT_THAT(outcome.client.error, HasSubstr("certificate"));
}

TEST_F(MutualTlsTest, ClientRefusesATrustedServerThatIsNotTheOnePinned) {
  // The client trusts both, but asked for the plant; the stranger answers.
  auto stranger_server = Tls(stranger_, {&carmaker_});
  auto client_tls = Tls(carmaker_, {&plant_, &stranger_});
  const Outcome outcome =
      Connect(ServerOf(*stranger_server), ClientOf(*client_tls, plant_.fingerprint()));
  EXPECT_FALSE(outcome.Connected());
  EXPECT_FALSE(outcome.client.peer.ok());
  EXPECT_THAT(outcome.client.error, HasSubstr("certificate verify failed"));
  // Negative control: pinning the stranger itself works.
  const Outcome control =
      Connect(ServerOf(*stranger_server), ClientOf(*client_tls, stranger_.fingerprint()));
  EXPECT_TRUE(control.Connected()) << control.server.error << " / " << control.client.error;
}

// An impostor copies the plant's CN, O and SAN into a certificate for its own key.
class ImpostorTest : public MutualTlsTest {
 protected:
  std::string ForgedCertificateFor(const Party& victim) {
    auto key = testing_util::Ed25519KeyOf(impostor_);
    testing_util::TestCertificateSpec spec =
        testing_util::CairnLikeSpec(victim.identity, key.get());
    spec.organization = "Acme Steel";
    return testing_util::MakeTestCertificate(spec);
  }
  const Identity impostor_ = FixedIdentity(66);
};

TEST_F(ImpostorTest, ClientRefusesAServerWithTheSameNamesButAnotherKey) {
  const std::string forged = ForgedCertificateFor(plant_);
  auto impostor = MakeRawTls(&impostor_, forged, {&carmaker_.certificate});
  auto client_tls = Tls(carmaker_, {&plant_});
  const Outcome outcome =
      Connect(RawServerOf(*impostor), ClientOf(*client_tls, plant_.fingerprint()));
  EXPECT_FALSE(outcome.Connected());
  EXPECT_FALSE(outcome.client.peer.ok());
  EXPECT_THAT(outcome.client.error, Not(IsEmpty()));
}

TEST_F(ImpostorTest, ServerRefusesAClientWithTheSameNamesButAnotherKey) {
  const std::string forged = ForgedCertificateFor(carmaker_);
  auto impostor = MakeRawTls(&impostor_, forged, {&plant_.certificate});
  auto server_tls = Tls(plant_, {&carmaker_});
  const Outcome outcome =
      Connect(ServerOf(*server_tls), RawClientOf(*impostor, plant_.fingerprint()));
  EXPECT_FALSE(outcome.Connected());
  EXPECT_FALSE(outcome.server.peer.ok());
  EXPECT_THAT(outcome.server.error, HasSubstr("certificate verify failed"));
}

TEST_F(ImpostorTest, ATrustedPartnerCannotVouchForAnotherKey) {
  // The stranger is trusted by the plant, and signs a certificate naming the carmaker's
  // fingerprint for the impostor's key, sent with its own certificate as the chain. Because
  // trusted certificates are CA:FALSE, the chain is refused.
  auto stranger_key = testing_util::Ed25519KeyOf(stranger_.identity);
  auto impostor_key = testing_util::Ed25519KeyOf(impostor_);
  testing_util::TestCertificateSpec spec =
      testing_util::CairnLikeSpec(carmaker_.identity, impostor_key.get());
  spec.signing_key = stranger_key.get();
  spec.issuer_certificate = stranger_.certificate;
  const std::string chain = testing_util::MakeTestCertificate(spec) + stranger_.certificate;
  auto impostor = MakeRawTls(&impostor_, chain, {&plant_.certificate});
  auto server_tls = Tls(plant_, {&carmaker_, &stranger_});
  const Outcome outcome =
      Connect(ServerOf(*server_tls), RawClientOf(*impostor, plant_.fingerprint()));
  EXPECT_FALSE(outcome.Connected());
  EXPECT_FALSE(outcome.server.peer.ok());
  EXPECT_THAT(outcome.server.error, HasSubstr("certificate verify failed"));
}

TEST_F(ImpostorTest, WhyTrustedCertificatesMustNotBeCas) {
  // Negative control for the test above: had the stranger's certificate been a CA, a trust
  // store holding it would authenticate the impostor as the carmaker. MutualTlsBuilder refuses
  // such a certificate, so this can only happen with a hand-made kj context.
  auto stranger_key = testing_util::Ed25519KeyOf(stranger_.identity);
  auto impostor_key = testing_util::Ed25519KeyOf(impostor_);
  testing_util::TestCertificateSpec ca_spec =
      testing_util::CairnLikeSpec(stranger_.identity, stranger_key.get());
  ca_spec.ca = true;
  const std::string stranger_ca = testing_util::MakeTestCertificate(ca_spec);
  testing_util::TestCertificateSpec spec =
      testing_util::CairnLikeSpec(carmaker_.identity, impostor_key.get());
  spec.signing_key = stranger_key.get();
  spec.issuer_certificate = stranger_ca;
  const std::string chain = testing_util::MakeTestCertificate(spec) + stranger_ca;

  auto impostor = MakeRawTls(&impostor_, chain, {&plant_.certificate});
  auto careless_server = MakeRawTls(&plant_.identity, plant_.certificate, {&stranger_ca});
  const Outcome outcome =
      Connect(RawServerOf(*careless_server), RawClientOf(*impostor, plant_.fingerprint()));
  EXPECT_TRUE(outcome.Connected()) << outcome.server.error << " / " << outcome.client.error;
  EXPECT_EQ(outcome.server.peer.value_or(stranger_.fingerprint()), carmaker_.fingerprint());

  EXPECT_THAT(MutualTlsBuilder(plant_.identity, plant_.certificate)
                  .AddTrustedPeer(stranger_ca)
                  .SetTimer(timer())
                  .Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CA:TRUE")));
}

TEST_F(MutualTlsTest, ExpiredCertificatesAreRefusedInBothDirections) {
  const Party expired_plant =
      PartyValidBetween(1, "Acme Steel", Now() - 10 * kMicrosPerDay, Now() - kMicrosPerDay);
  const Party expired_carmaker =
      PartyValidBetween(2, "Carmaker AG", Now() - 10 * kMicrosPerDay, Now() - kMicrosPerDay);
  const Outcome expired_server = ConnectPinned(expired_plant, carmaker_);
  EXPECT_FALSE(expired_server.Connected());
  EXPECT_THAT(expired_server.client.error, HasSubstr("certificate verify failed"));
  const Outcome expired_client = ConnectPinned(plant_, expired_carmaker);
  EXPECT_FALSE(expired_client.Connected());
  EXPECT_THAT(expired_client.server.error, HasSubstr("certificate verify failed"));
}

TEST_F(MutualTlsTest, NotYetValidCertificatesAreRefusedInBothDirections) {
  const Party future_plant =
      PartyValidBetween(1, "Acme Steel", Now() + kMicrosPerDay, Now() + 10 * kMicrosPerDay);
  const Party future_carmaker =
      PartyValidBetween(2, "Carmaker AG", Now() + kMicrosPerDay, Now() + 10 * kMicrosPerDay);
  const Outcome future_server = ConnectPinned(future_plant, carmaker_);
  EXPECT_FALSE(future_server.Connected());
  EXPECT_THAT(future_server.client.error, HasSubstr("certificate verify failed"));
  const Outcome future_client = ConnectPinned(plant_, future_carmaker);
  EXPECT_FALSE(future_client.Connected());
  EXPECT_THAT(future_client.server.error, HasSubstr("certificate verify failed"));
}

class HandshakeTimeoutTest : public MutualTlsTest {
 protected:
  static constexpr kj::Duration kShortTimeout = 200 * kj::MILLISECONDS;

  // Waits for `promise`, returns how long it took and what ended it.
  std::pair<kj::Duration, std::string> Time(kj::Promise<void> promise) {
    const kj::TimePoint start = timer().now();
    std::string error = "(resolved)";
    timer()
        .timeoutAfter(kTestGuard,
                      promise.catch_([&](kj::Exception&& e) { error = e.getDescription().cStr(); }))
        .wait(io_.waitScope);
    return {timer().now() - start, error};
  }
};

TEST_F(HandshakeTimeoutTest, ServerDropsAClientThatNeverHandshakes) {
  auto server_tls = Tls(plant_, {&carmaker_}, kShortTimeout);
  auto listener = network().parseAddress("127.0.0.1", 0).wait(io_.waitScope)->listen();
  auto address = network().parseAddress("127.0.0.1", listener->getPort()).wait(io_.waitScope);
  kj::Own<kj::AsyncIoStream> silent = address->connect().wait(io_.waitScope);

  auto [elapsed, error] = Time(listener->acceptAuthenticated().then(
      [&](kj::AuthenticatedStream s) { return server_tls->WrapServer(kj::mv(s)).ignoreResult(); }));
  EXPECT_THAT(error, HasSubstr("timed out"));
  EXPECT_GE(elapsed, kShortTimeout);
  EXPECT_LT(elapsed, kShortTimeout + kj::SECONDS);

  // The silent peer's connection is closed: it reads end-of-stream (or a reset).
  char byte;
  auto [read_elapsed, read_end] = Time(silent->tryRead(&byte, 1, 1).then([](size_t n) {
    KJ_REQUIRE(n == 0, "expected end of stream");
  }));
  EXPECT_THAT(read_end, Not(HasSubstr("expected end of stream")));
  EXPECT_LT(read_elapsed, kj::SECONDS);
}

TEST_F(HandshakeTimeoutTest, ClientGivesUpOnAServerThatNeverHandshakes) {
  auto client_tls = Tls(carmaker_, {&plant_}, kShortTimeout);
  auto listener = network().parseAddress("127.0.0.1", 0).wait(io_.waitScope)->listen();
  auto address = network().parseAddress("127.0.0.1", listener->getPort()).wait(io_.waitScope);
  auto accepted = listener->accept();  // accepted, then left silent

  auto [elapsed, error] = Time(address->connectAuthenticated().then([&](kj::AuthenticatedStream s) {
    return client_tls->WrapClient(kj::mv(s), plant_.fingerprint()).ignoreResult();
  }));
  EXPECT_THAT(error, HasSubstr("timed out"));
  EXPECT_GE(elapsed, kShortTimeout);
  EXPECT_LT(elapsed, kShortTimeout + kj::SECONDS);
}

// A plain OpenSSL client (blocking, on its own thread) against a MutualTls server, to see the
// negotiated protocol version, which kj does not expose.
class TlsVersionTest : public MutualTlsTest {
 protected:
  struct ClientResult {
    std::string version;  // e.g. "TLSv1.3"; empty if the handshake failed
    std::string cipher;
    bool exchanged = false;
  };

  // Runs the OpenSSL client with protocol versions [min_version, max_version] against a
  // MutualTls server for plant_ that trusts carmaker_; returns what each side saw.
  std::pair<ClientResult, Side> Run(int min_version, int max_version) {
    auto server_tls = Tls(plant_, {&carmaker_});
    auto listener = network().parseAddress("127.0.0.1", 0).wait(io_.waitScope)->listen();
    const uint16_t port = static_cast<uint16_t>(listener->getPort());
    ClientResult client;
    std::thread thread([&] { client = RunClient(port, min_version, max_version); });
    Side server;
    auto served =
        listener->acceptAuthenticated()
            .then([&](kj::AuthenticatedStream s) { return server_tls->WrapServer(kj::mv(s)); })
            .then([&](kj::AuthenticatedStream s) { return AnswerPing(kj::mv(s), server); })
            .catch_([&](kj::Exception&& e) { Record(e, server); });
    timer().timeoutAfter(kTestGuard, kj::mv(served)).wait(io_.waitScope);
    thread.join();
    return {client, std::move(server)};
  }

 private:
  ClientResult RunClient(uint16_t port, int min_version, int max_version) {
    ClientResult result;
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, min_version);
    SSL_CTX_set_max_proto_version(ctx, max_version);
    if (min_version < TLS1_2_VERSION) {
      // Let this client offer the old version at all; the server must be the one refusing.
      SSL_CTX_set_security_level(ctx, 0);
      SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
    }
    const SecretBytes key_pem = PrivateKeyPem(carmaker_.identity).value();
    crypto_internal::UniqueBio key_bio(BIO_new_mem_buf(key_pem.data(), key_pem.size()));
    crypto_internal::UniqueEvpPkey key(
        PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    crypto_internal::UniqueBio cert_bio(
        BIO_new_mem_buf(carmaker_.certificate.data(), carmaker_.certificate.size()));
    crypto_internal::UniqueX509 cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    crypto_internal::UniqueBio server_bio(
        BIO_new_mem_buf(plant_.certificate.data(), plant_.certificate.size()));
    crypto_internal::UniqueX509 server_cert(
        PEM_read_bio_X509(server_bio.get(), nullptr, nullptr, nullptr));
    SSL_CTX_use_certificate(ctx, cert.get());
    SSL_CTX_use_PrivateKey(ctx, key.get());
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), server_cert.get());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);

    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{5, 0};  // a stuck server must not hang the test
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    SSL* ssl = SSL_new(ctx);
    const std::string host = plant_.fingerprint().HostName();
    SSL_set1_host(ssl, host.c_str());
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        SSL_set_fd(ssl, fd) == 1 && SSL_connect(ssl) == 1) {
      result.version = SSL_get_version(ssl);
      result.cipher = SSL_get_cipher_name(ssl);
      char pong[4];
      result.exchanged = SSL_write(ssl, "ping", 4) == 4 && SSL_read(ssl, pong, 4) == 4 &&
                         std::memcmp(pong, "pong", 4) == 0;
      SSL_shutdown(ssl);
    }
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    return result;
  }
};

TEST_F(TlsVersionTest, NegotiatesTls13WhenBothSidesHaveIt) {
  auto [client, server] = Run(TLS1_2_VERSION, TLS1_3_VERSION);
  EXPECT_EQ(client.version, "TLSv1.3");
  EXPECT_TRUE(client.exchanged && server.exchanged) << server.error;
  EXPECT_EQ(server.peer.value_or(stranger_.fingerprint()), carmaker_.fingerprint());
  std::cout << "negotiated " << client.version << " " << client.cipher << "\n";
}

TEST_F(TlsVersionTest, AcceptsTls12WithEd25519Keys) {
  auto [client, server] = Run(TLS1_2_VERSION, TLS1_2_VERSION);
  EXPECT_EQ(client.version, "TLSv1.2");
  EXPECT_TRUE(client.exchanged && server.exchanged) << server.error;
  std::cout << "negotiated " << client.version << " " << client.cipher << "\n";
}

TEST_F(TlsVersionTest, RefusesVersionsBelowTls12) {
  auto [client, server] = Run(TLS1_1_VERSION, TLS1_1_VERSION);
  EXPECT_EQ(client.version, "");
  EXPECT_FALSE(server.exchanged);
  EXPECT_FALSE(server.peer.ok());
  std::cout << "TLS 1.1 client refused; server said: " << server.error << "\n";
}

TEST_F(MutualTlsTest, PeerFingerprintNeedsATlsPeer) {
  auto listener = network().parseAddress("127.0.0.1", 0).wait(io_.waitScope)->listen();
  auto address = network().parseAddress("127.0.0.1", listener->getPort()).wait(io_.waitScope);
  auto client = address->connectAuthenticated().wait(io_.waitScope);
  EXPECT_THAT(PeerFingerprint(*client.peerIdentity),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("TLS")));
}

TEST_F(MutualTlsTest, BuilderChecksTheKeyMaterial) {
  EXPECT_THAT(MutualTlsBuilder(plant_.identity, carmaker_.certificate).SetTimer(timer()).Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("this identity is")));
  EXPECT_THAT(MutualTlsBuilder(plant_.identity, "garbage").SetTimer(timer()).Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("own certificate")));
  EXPECT_THAT(MutualTlsBuilder(plant_.identity, plant_.certificate)
                  .AddTrustedPeer(carmaker_.certificate)
                  .AddTrustedPeer("-----BEGIN CERTIFICATE-----\n")
                  .SetTimer(timer())
                  .Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("#2")));
  EXPECT_THAT(MutualTlsBuilder(plant_.identity, plant_.certificate).Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("timer")));
  EXPECT_THAT(MutualTlsBuilder(plant_.identity, plant_.certificate)
                  .SetTimer(timer())
                  .SetHandshakeTimeout(0 * kj::SECONDS)
                  .Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("timeout")));
  EXPECT_THAT(MutualTlsBuilder(plant_.identity, plant_.certificate).SetTimer(timer()).Build(),
              IsOk());
}

}  // namespace
}  // namespace cairn
