// Two (or three) daemons on loopback: a supplier answers a customer over mutual TLS with
// signed, sealed results. Every refusal the issue names is checked beside the allowed path:
// unknown, revoked (also while connected), wrongly pinned, expired and not-yet-valid peers;
// replays on the same connection, a new one and after a restart; stale requests; tampered,
// re-signed and mis-sealed results; and the limits that keep one peer from hurting others.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kj/async-io.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/clock.h"
#include "crypto/certificate.h"
#include "crypto/tls.h"
#include "daemon/partner_service.h"
#include "daemon/peer_client.h"
#include "nlohmann/json.hpp"
#include "participant/participant_identity.h"
#include "protocol/federation.capnp.h"
#include "protocol/rpc_status.h"
#include "tests/integration/harness.h"
#include "tests/integration/raw_client.h"

namespace cairn::testing {
namespace {

using ::testing::HasSubstr;

const char kSupplierCsv[] =
    "timestamp,site,line,product,metric,value,unit\n"
    "2026-01-05T08:00:00Z,gent,L1,P1,co2e_scope1,120,kg\n"
    "2026-01-05T09:00:00Z,gent,L1,P1,units_produced,40,count\n"
    "2026-01-06T08:00:00Z,gent,L1,P2,co2e_scope1,300,kg\n"
    "2026-01-06T09:00:00Z,gent,L1,P2,units_produced,60,count\n"
    "2026-01-06T09:00:00Z,gent,L1,P2,energy,1,MWh\n";

class PartnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    supplier_dir_ = InitDataDir("supplier", "Gent Steel");
    customer_dir_ = InitDataDir("customer", "Autowerk AG");
  }
  void Start() {
    supplier_ = std::make_unique<DaemonProcess>(supplier_dir_);
    customer_ = std::make_unique<DaemonProcess>(customer_dir_);
    ASSERT_TRUE(supplier_->Start().ok()) << supplier_->Log();
    ASSERT_TRUE(customer_->Start().ok()) << customer_->Log();
    WriteTextFile(supplier_dir_ + "/plant.csv", kSupplierCsv);
    ASSERT_EQ(Cairnctl(supplier_dir_, {"import", supplier_dir_ + "/plant.csv"}).exit_code, 0);
  }
  // The supplier registers the customer (allowed co2e and units); the customer registers the
  // supplier with its endpoint.
  void Introduce() {
    CommandResult a = Cairnctl(
        supplier_dir_, {"partner", "add", "autowerk", "--cert", customer_dir_ + "/identity.crt",
                        "--fingerprint", FingerprintOf(customer_dir_), "--allow-metric",
                        "co2e_scope1", "--allow-metric", "units_produced"});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    CommandResult b = Cairnctl(customer_dir_,
                               {"partner", "add", "gent", "--cert", supplier_dir_ + "/identity.crt",
                                "--endpoint", PartnerAddress(supplier_dir_)});
    ASSERT_EQ(b.exit_code, 0) << b.err;
  }
  CommandResult Ask(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {
        "query",          "--peer",     "gent",    "--metric", "co2e_scope1", "--ratio-to",
        "units_produced", "--group-by", "product", "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Cairnctl(customer_dir_, args);
  }

  std::string supplier_dir_, customer_dir_;
  std::unique_ptr<DaemonProcess> supplier_, customer_;
};

TEST_F(PartnerTest, CustomerAsksKeepsAndVerifiesTheSignedAnswer) {
  Start();
  Introduce();
  std::string kept = customer_dir_ + "/answer.txt";
  CommandResult r = Ask({"--out", kept});
  ASSERT_EQ(r.exit_code, 0) << r.err << customer_->Log() << supplier_->Log();
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["rows"].size(), 2u);
  EXPECT_EQ(doc["rows"][0]["product"], "P1");
  EXPECT_EQ(doc["rows"][0]["value"], 3.0);  // 120 kg / 40 units
  EXPECT_EQ(doc["rows"][1]["value"], 5.0);  // 300 kg / 60 units
  EXPECT_THAT(r.err, HasSubstr("signature verified"));

  CommandResult v =
      RunCommand(RunfilePath("tools/cairnctl/cairnctl"),
                 {"verify", kept, "--expect", FingerprintOf(supplier_dir_), "--format", "json"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  auto verified = nlohmann::json::parse(v.out);
  EXPECT_EQ(verified["attestation"]["signed_by"], "Gent Steel");
  EXPECT_EQ(verified["attestation"]["requester"], FingerprintOf(customer_dir_));
  ASSERT_EQ(verified["rows"].size(), 2u);
  EXPECT_EQ(verified["rows"][1]["product"], "P2");
  EXPECT_EQ(verified["rows"][1]["value"], 5.0);
}

TEST_F(PartnerTest, AMetricOffTheAllowListIsDeniedWithAReason) {
  Start();
  Introduce();
  CommandResult r = Cairnctl(customer_dir_, {"query", "--peer", "gent", "--metric", "energy"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("partner 'gent' refused: partner 'autowerk' may not ask about "
                               "metric energy"));
}

TEST_F(PartnerTest, AnUnknownPeerFailsTheHandshake) {
  Start();
  // The customer knows the supplier, but the supplier never registered the customer.
  ASSERT_EQ(
      Cairnctl(customer_dir_, {"partner", "add", "gent", "--cert", supplier_dir_ + "/identity.crt",
                               "--endpoint", PartnerAddress(supplier_dir_)})
          .exit_code,
      0);
  CommandResult r = Ask();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(supplier_->Log(), HasSubstr("TLS handshake failed"));
}

TEST_F(PartnerTest, AMismatchedFingerprintIsRefusedAtRegistration) {
  Start();
  CommandResult r = Cairnctl(
      supplier_dir_, {"partner", "add", "autowerk", "--cert", customer_dir_ + "/identity.crt",
                      "--fingerprint", FingerprintOf(supplier_dir_)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("fingerprint mismatch"));
}

TEST_F(PartnerTest, AServerOtherThanThePinnedOneIsRefused) {
  std::string impostor_dir = InitDataDir("impostor", "Gent Steel");
  Start();
  DaemonProcess impostor(impostor_dir);
  ASSERT_TRUE(impostor.Start().ok());
  // The impostor trusts the customer, and the customer's entry for "gent" points at the
  // impostor's address — but pins the real supplier's key.
  ASSERT_EQ(Cairnctl(impostor_dir,
                     {"partner", "add", "autowerk", "--cert", customer_dir_ + "/identity.crt",
                      "--allow-metric", "co2e_scope1", "--allow-metric", "units_produced"})
                .exit_code,
            0);
  ASSERT_EQ(
      Cairnctl(customer_dir_, {"partner", "add", "gent", "--cert", supplier_dir_ + "/identity.crt",
                               "--endpoint", PartnerAddress(impostor_dir)})
          .exit_code,
      0);
  CommandResult r = Ask();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot reach partner 'gent'"));
}

TEST_F(PartnerTest, RevokedPartnerIsDisconnectedWithinASecondAndRefusedAfterwards) {
  Start();
  Introduce();
  ASSERT_EQ(Ask().exit_code, 0);  // leaves the customer's connection open
  EXPECT_EQ(CairnctlJson(supplier_dir_, {"partner", "show", "autowerk"})["connections"], 1);
  auto before = std::chrono::steady_clock::now();
  CommandResult revoke = Cairnctl(supplier_dir_, {"partner", "revoke", "autowerk"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  EXPECT_THAT(revoke.out, HasSubstr("closed 1 live connections"));
  nlohmann::json revoked = CairnctlJson(supplier_dir_, {"partner", "show", "autowerk"});
  EXPECT_EQ(revoked["connections"], 0);
  EXPECT_EQ(revoked["status"], "revoked");
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(1));
  CommandResult r = Ask();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(supplier_->Log(), HasSubstr("TLS handshake failed"));
}

// Replaces a data dir's certificate by one for the same key with the given validity.
void ReplaceCertificate(const std::string& dir, Timestamp not_before, Timestamp not_after) {
  ParticipantIdentity id = *LoadParticipantIdentity(DataDir(dir));
  std::string pem = *CertificateBuilder(id.identity)
                         .SetDisplayName(id.certificate.organization)
                         .SetValidity(not_before, not_after)
                         .Build();
  WriteTextFile(dir + "/identity.crt", pem);
}

TEST_F(PartnerTest, ExpiredAndNotYetValidCertificatesAreRefused) {
  Start();
  Introduce();
  ASSERT_EQ(Ask().exit_code, 0);
  Timestamp now = SystemClock().Now();
  Timestamp day = kMicrosPerDay;
  for (auto [from, to] :
       {std::pair{now - 30 * day, now - day}, std::pair{now + day, now + 30 * day}}) {
    customer_->Stop();
    ReplaceCertificate(customer_dir_, from, to);
    ASSERT_TRUE(customer_->Start().ok()) << customer_->Log();
    CommandResult r = Ask();
    EXPECT_EQ(r.exit_code, 1) << "validity " << FormatTimestamp(from) << ".."
                              << FormatTimestamp(to);
  }
}

TEST_F(PartnerTest, AReplayIsRefusedOnTheSameConnectionANewOneAndAfterARestart) {
  Start();
  Introduce();
  RawClient client(customer_dir_, supplier_dir_);
  SignedBytes request = client.Sign();
  auto c1 = client.Connect(PartnerAddress(supplier_dir_));
  ASSERT_TRUE(c1.ok()) << c1.status();
  ASSERT_TRUE(client.Send(**c1, request).ok());
  EXPECT_THAT(client.Send(**c1, request).status().message(), HasSubstr("replayed request"));
  auto c2 = client.Connect(PartnerAddress(supplier_dir_));
  EXPECT_THAT(client.Send(**c2, request).status().message(), HasSubstr("replayed request"));
  *c1 = nullptr;
  *c2 = nullptr;
  supplier_->Stop();
  ASSERT_TRUE(supplier_->Start().ok());
  auto c3 = client.Connect(PartnerAddress(supplier_dir_));
  ASSERT_TRUE(c3.ok()) << c3.status();
  EXPECT_THAT(client.Send(**c3, request).status().message(), HasSubstr("replayed request"));
  EXPECT_TRUE(client.Send(**c3, client.Sign()).ok()) << "a fresh request still passes";
}

TEST_F(PartnerTest, AStaleRequestIsRefused) {
  Start();
  Introduce();
  RawClient client(customer_dir_, supplier_dir_);
  auto c = client.Connect(PartnerAddress(supplier_dir_));
  ASSERT_TRUE(c.ok()) << c.status();
  absl::StatusOr<std::string> r =
      client.Send(**c, client.Sign(SystemClock().Now() - 3600 * kMicrosPerSecond));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(r.status().message(), HasSubstr("stale request"));
}

TEST_F(PartnerTest, TamperedResignedAndMisSealedResultsAreRejected) {
  std::string stranger_dir = InitDataDir("stranger", "Someone Else");
  Start();
  Introduce();
  RawClient client(customer_dir_, supplier_dir_);
  auto c = client.Connect(PartnerAddress(supplier_dir_));
  ASSERT_TRUE(c.ok()) << c.status();
  SignedBytes request = client.Sign();
  absl::StatusOr<std::string> sealed = client.Send(**c, request);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  const PublicKey& supplier = client.server().certificate.public_key;
  absl::StatusOr<VerifiedAnswer> good =
      OpenAnswer(client.me().identity, supplier, request, *sealed);
  ASSERT_TRUE(good.ok()) << good.status();

  // Sealed to someone else: only the customer can open it.
  ParticipantIdentity stranger = *LoadParticipantIdentity(DataDir(stranger_dir));
  EXPECT_EQ(OpenAnswer(stranger.identity, supplier, request, *sealed).status().code(),
            absl::StatusCode::kUnauthenticated);
  // A flipped ciphertext byte.
  std::string bad = *sealed;
  bad[bad.size() / 2] ^= 1;
  EXPECT_FALSE(OpenAnswer(client.me().identity, supplier, request, bad).ok());
  // An answer to another request.
  EXPECT_THAT(OpenAnswer(client.me().identity, supplier, client.Sign(), *sealed).status().message(),
              HasSubstr("another request"));

  // The kept file: a changed byte, and a signature swapped in from another answer.
  std::string kept = customer_dir_ + "/kept.txt";
  WriteTextFile(kept, ArmorSignedResult(good->signed_result));
  // As the customer would: its daemon knows the supplier as its registered partner.
  auto verify = [&](const std::string& path) {
    return Cairnctl(customer_dir_, {"verify", path});
  };
  EXPECT_EQ(verify(kept).exit_code, 0);
  SignedBytes changed = good->signed_result;
  changed.payload[changed.payload.size() - 9] ^= 0x10;
  WriteTextFile(kept, ArmorSignedResult(changed));
  CommandResult r = verify(kept);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("REJECTED"));
  SignedBytes other_request = client.Sign();
  auto other =
      OpenAnswer(client.me().identity, supplier, other_request, *client.Send(**c, other_request));
  ASSERT_TRUE(other.ok());
  SignedBytes swapped = good->signed_result;
  swapped.signature = other->signed_result.signature;
  WriteTextFile(kept, ArmorSignedResult(swapped));
  EXPECT_EQ(verify(kept).exit_code, 1);
  // Re-signed by another key than the attester it names.
  AttestationInfo info = good->attestation;
  SignedBytes resigned = *SignAttestation(stranger.identity, info);
  resigned.payload = good->signed_result.payload;
  WriteTextFile(kept, ArmorSignedResult(resigned));
  EXPECT_EQ(verify(kept).exit_code, 1);
  // Signed by the stranger as itself: valid, but not by the expected key.
  WriteTextFile(kept, ArmorSignedResult(*SignAttestation(stranger.identity, info)));
  r = RunCommand(RunfilePath("tools/cairnctl/cairnctl"),
                 {"verify", kept, "--expect", FingerprintOf(supplier_dir_)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("not by the expected"));
  // Without --expect its self-chosen name is not taken for who it is.
  r = verify(kept);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("signer NOT identified"));
}

TEST_F(PartnerTest, AnOversizedMessageDisconnectsOnlyThatPeer) {
  SetConfig(supplier_dir_, "max_message_kib", "64");
  Start();
  Introduce();
  RawClient client(customer_dir_, supplier_dir_);
  auto big = client.Connect(PartnerAddress(supplier_dir_));
  ASSERT_TRUE(big.ok());
  SignedBytes request = client.Sign();
  request.payload += std::string(200 * 1024, 'x');
  EXPECT_FALSE(client.Send(**big, request).ok());
  client.Pump(100);
  EXPECT_TRUE((*big)->broken());
  auto next = client.Connect(PartnerAddress(supplier_dir_));
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(client.Send(**next, client.Sign()).ok()) << "the daemon keeps serving";
}

TEST_F(PartnerTest, CallsPastTheInFlightLimitAreRefusedAndTheConnectionStays) {
  SetConfig(supplier_dir_, "max_calls_in_flight", "2");
  Start();
  Introduce();
  RawClient client(customer_dir_, supplier_dir_);
  auto c = client.Connect(PartnerAddress(supplier_dir_));
  ASSERT_TRUE(c.ok());
  std::vector<kj::Promise<void>> calls;
  int refused = 0;
  for (int i = 0; i < 20; ++i) {
    calls.push_back((*c)->Send(client.Sign())
                        .then([](std::string) {},
                              [&refused](kj::Exception&& e) {
                                absl::Status s = ExceptionToStatus(e);
                                EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
                                EXPECT_THAT(
                                    s.message(),
                                    HasSubstr("too many calls in flight on this connection (2)"));
                                ++refused;
                              }));
  }
  for (auto& p : calls) p.wait(client.io().waitScope);
  EXPECT_GT(refused, 0);
  EXPECT_LT(refused, 20);
  client.Pump(200);
  EXPECT_FALSE((*c)->broken());
  EXPECT_TRUE(client.Send(**c, client.Sign()).ok()) << "the same connection serves on";
}

// However often a partner asks for the Federation capability on one connection, the calls it
// makes share the connection's places with its queries.
TEST_F(PartnerTest, CallsInFlightAreCountedOverEveryCapabilityOfAConnection) {
  SetConfig(supplier_dir_, "max_calls_in_flight", "2");
  Start();
  Introduce();
  RawClient client(customer_dir_, supplier_dir_);
  auto c = client.Connect(PartnerAddress(supplier_dir_));
  ASSERT_TRUE(c.ok());
  std::vector<kj::Promise<void>> calls;
  int refused = 0, answered = 0;
  for (int cap = 0; cap < 5; ++cap) {
    proto::Federation::Client federation =
        (*c)->session().federationRequest().send().getFederation();
    for (int i = 0; i < 2; ++i) {
      auto propose = federation.proposeRequest();
      propose.setProposal(capnp::Data::Reader(reinterpret_cast<const kj::byte*>("junk"), 4));
      calls.push_back(propose.send().then(
          [&answered](auto) { ++answered; },
          [&refused, &answered](kj::Exception&& e) {
            absl::Status s = ExceptionToStatus(e);
            // Within the limit, the junk is refused for what it is (and audited).
            (s.code() == absl::StatusCode::kResourceExhausted ? refused : answered)++;
          }));
    }
  }
  for (auto& p : calls) p.wait(client.io().waitScope);
  EXPECT_GT(refused, 0) << "each federation() capability had a counter of its own";
  EXPECT_GT(answered, 0);
  EXPECT_FALSE((*c)->broken());
  EXPECT_TRUE(client.Send(**c, client.Sign()).ok());
}

TEST_F(PartnerTest, ConnectionsInAllAreBounded) {
  SetConfig(supplier_dir_, "max_connections", "1");
  Start();
  Introduce();
  RawClient client(customer_dir_, supplier_dir_);
  auto first = client.Connect(PartnerAddress(supplier_dir_));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(client.Send(**first, client.Sign()).ok());
  auto second = client.Connect(PartnerAddress(supplier_dir_));
  if (second.ok()) {
    EXPECT_FALSE(client.Send(**second, client.Sign()).ok());
  }
  EXPECT_THAT(supplier_->Log(), HasSubstr("partner connections open in all"));
  EXPECT_TRUE(client.Send(**first, client.Sign()).ok()) << "the open connection keeps working";
}

// A peer that opens connections and never speaks loses its oldest one to each new one past
// the per-address limit, long before the handshake timeout; a real partner still gets in.
TEST_F(PartnerTest, TheOldestPendingHandshakeIsDroppedToMakeRoom) {
  SetConfig(supplier_dir_, "max_pending_handshakes_per_address", "2");
  Start();
  Introduce();
  RawClient client(customer_dir_, supplier_dir_);
  auto address = client.io()
                     .provider->getNetwork()
                     .parseAddress(PartnerAddress(supplier_dir_))
                     .wait(client.io().waitScope);
  auto oldest = address->connect().wait(client.io().waitScope);
  client.Pump(100);
  auto second = address->connect().wait(client.io().waitScope);
  auto third = address->connect().wait(client.io().waitScope);
  auto started = std::chrono::steady_clock::now();
  char byte;
  EXPECT_EQ(oldest->tryRead(&byte, 1, 1).wait(client.io().waitScope), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_THAT(supplier_->Log(), HasSubstr("too many pending TLS handshakes (2 from"));
  auto c = client.Connect(PartnerAddress(supplier_dir_));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(client.Send(**c, client.Sign()).ok());
}

// A blocking TCP connection to `port` on loopback from the loopback address `source`.
int ConnectFrom(const char* source, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{}, to{};
  from.sin_family = to.sin_family = AF_INET;
  inet_pton(AF_INET, source, &from.sin_addr);
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)), 0);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
  return fd;
}

// True if the server closed `fd` within `ms` milliseconds.
bool ClosedWithin(int fd, int ms) {
  pollfd p = {fd, POLLIN, 0};
  char byte;
  return poll(&p, 1, ms) == 1 && read(fd, &byte, 1) <= 0;
}

// When all places are taken, the handshake dropped is the oldest of the busiest source: a slow
// handshake from an address of its own outlives a flood from another.
TEST_F(PartnerTest, AFullHandshakeQueueDropsFromTheBusiestAddress) {
  SetConfig(supplier_dir_, "max_pending_handshakes", "3");
  Start();
  std::string address = PartnerAddress(supplier_dir_);
  int port = std::stoi(address.substr(address.rfind(':') + 1));
  int slow = ConnectFrom("127.0.0.1", port);
  std::vector<int> flood;
  for (int i = 0; i < 4; ++i) flood.push_back(ConnectFrom("127.0.0.2", port));
  EXPECT_TRUE(ClosedWithin(flood[0], 2000));
  EXPECT_TRUE(ClosedWithin(flood[1], 2000));
  EXPECT_FALSE(ClosedWithin(slow, 200)) << "the oldest of all, but alone from its address";
  EXPECT_THAT(supplier_->Log(), HasSubstr("(3 in all, 127.0.0.2 holding the most)"));
  for (int fd : flood) close(fd);
  close(slow);
}

TEST_F(PartnerTest, ConnectionsPerPartnerAreBounded) {
  SetConfig(supplier_dir_, "max_connections_per_partner", "2");
  Start();
  Introduce();
  RawClient client(customer_dir_, supplier_dir_);
  std::vector<kj::Own<PeerConnection>> open;
  for (int i = 0; i < 2; ++i) {
    auto c = client.Connect(PartnerAddress(supplier_dir_));
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(client.Send(**c, client.Sign()).ok());
    open.push_back(*std::move(c));
  }
  auto third = client.Connect(PartnerAddress(supplier_dir_));
  if (third.ok()) {
    EXPECT_FALSE(client.Send(**third, client.Sign()).ok());
  }
  EXPECT_THAT(supplier_->Log(), HasSubstr("already 2 connections open"));
  EXPECT_TRUE(client.Send(*open[0], client.Sign()).ok()) << "existing connections keep working";
}

TEST_F(PartnerTest, ASilentPeerIsDroppedAfterTheHandshakeTimeout) {
  SetConfig(supplier_dir_, "handshake_timeout_seconds", "1");
  Start();
  kj::AsyncIoContext io = kj::setupAsyncIo();
  auto address =
      io.provider->getNetwork().parseAddress(PartnerAddress(supplier_dir_)).wait(io.waitScope);
  auto stream = address->connect().wait(io.waitScope);
  auto started = std::chrono::steady_clock::now();
  char byte;
  size_t n = stream->tryRead(&byte, 1, 1).wait(io.waitScope);  // blocks until the server closes
  EXPECT_EQ(n, 0u);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GT(waited, std::chrono::milliseconds(800));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

}  // namespace
}  // namespace cairn::testing
