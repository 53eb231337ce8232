#include "daemon/partner_plane.h"

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "protocol/rpc_status.h"

namespace cairn {

// One authenticated inbound connection and the RPC system serving its session.
struct PartnerPlane::Connection {
  uint64_t id;
  std::string fingerprint;
  std::string partner;
  std::shared_ptr<MutualTls> tls;  // keeps the context the stream was made with
  kj::Own<kj::AsyncIoStream> stream;
  kj::Own<capnp::TwoPartyVatNetwork> network;
  kj::Own<capnp::RpcSystem<capnp::rpc::twoparty::VatId>> rpc;

  ~Connection() {
    rpc = nullptr;  // before the network and stream it uses
    network = nullptr;
  }
};

// The capability a partner holds: every call acts as the partner the handshake authenticated.
class PartnerPlane::Session final : public proto::PartnerSession::Server {
 public:
  Session(PartnerPlane& plane, uint64_t connection, Partner partner, PublicKey peer)
      : plane_(plane), connection_(connection), partner_(std::move(partner)), peer_(peer) {}

  kj::Promise<void> query(QueryContext call) override {
    if (*in_flight_ >= plane_.context_.config->max_calls_in_flight) {
      CAIRN_LOG_WARNING("partner '", partner_.name, "' exceeded ",
                        plane_.context_.config->max_calls_in_flight,
                        " calls in flight; disconnecting it");
      uint64_t id = connection_;
      PartnerPlane* plane = &plane_;
      plane_.tasks_.add(kj::evalLater([plane, id] { plane->Drop(id); }));
      ThrowIfError(absl::ResourceExhaustedError("too many calls in flight; disconnected"));
    }
    auto r = call.getParams().getRequest();
    SignedBytes request{
        std::string(reinterpret_cast<const char*>(r.getRequest().begin()), r.getRequest().size()),
        std::string(reinterpret_cast<const char*>(r.getSignature().begin()),
                    r.getSignature().size())};
    call.releaseParams();
    ++*in_flight_;
    // The counter is shared with the call: the connection (and this session) may be gone
    // before a cancelled call's promise is destroyed.
    return plane_.service_.Answer(partner_, peer_, std::move(request))
        .then([call](std::string sealed) mutable {
          call.getResults().setSealed(
              capnp::Data::Reader(reinterpret_cast<const kj::byte*>(sealed.data()), sealed.size()));
        })
        .attach(kj::defer([in_flight = in_flight_] { --*in_flight; }));
  }

  kj::Promise<void> federation(FederationContext call) override {
    if (!plane_.federation_endpoints_) {
      ThrowIfError(absl::UnimplementedError("this daemon takes part in no federated rounds"));
    }
    call.getResults().setFederation(plane_.federation_endpoints_(partner_, peer_));
    return kj::READY_NOW;
  }

 private:
  PartnerPlane& plane_;
  uint64_t connection_;
  Partner partner_;
  PublicKey peer_;
  std::shared_ptr<int64_t> in_flight_ = std::make_shared<int64_t>(0);
};

void PartnerPlane::ErrorHandler::taskFailed(kj::Exception&& exception) {
  CAIRN_LOG_DEBUG("partner connection task failed: ", exception.getDescription().cStr());
}

PartnerPlane::PartnerPlane(const ServiceContext& context, kj::AsyncIoContext& io,
                           PartnerStore& partners, PartnerService& service,
                           const ParticipantIdentity& me)
    : context_(context),
      io_(io),
      partners_(partners),
      service_(service),
      me_(me),
      tasks_(error_handler_) {}

PartnerPlane::~PartnerPlane() {
  outbound_.clear();
  connections_.clear();
}

capnp::ReaderOptions PartnerPlane::reader_options() const {
  capnp::ReaderOptions options;
  // The traversal limit also caps the size of a message read from the peer.
  options.traversalLimitInWords =
      static_cast<uint64_t>(context_.config->max_message_kib) * 1024 / sizeof(capnp::word);
  options.nestingLimit = 32;
  return options;
}

absl::Status PartnerPlane::ReloadTrust() {
  MutualTlsBuilder builder(me_.identity, me_.certificate_pem);
  builder.SetTimer(io_.provider->getTimer())
      .SetHandshakeTimeout(context_.config->handshake_timeout_seconds * kj::SECONDS);
  for (const Partner& p : partners_.Active()) builder.AddTrustedPeer(p.certificate_pem);
  absl::StatusOr<std::unique_ptr<MutualTls>> tls = builder.Build();
  if (!tls.ok()) return tls.status();
  tls_ = std::shared_ptr<MutualTls>(std::move(*tls));
  return absl::OkStatus();
}

absl::Status PartnerPlane::Listen(const std::string& address) {
  if (address.empty()) return absl::OkStatus();
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                 auto addr = io_.provider->getNetwork().parseAddress(address).wait(io_.waitScope);
                 listener_ = addr->listen();
               })) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for partners on ", address, ": ", e->getDescription().cStr()));
  }
  std::string host = address.substr(0, address.rfind(':'));
  bound_address_ = absl::StrCat(host, ":", listener_->getPort());
  return absl::OkStatus();
}

kj::Promise<void> PartnerPlane::Serve() {
  if (listener_.get() == nullptr) return kj::NEVER_DONE;
  CAIRN_LOG_DEBUG("accepting partner connections");
  return AcceptLoop();
}

kj::Promise<void> PartnerPlane::AcceptLoop() {
  return listener_->acceptAuthenticated().then([this](kj::AuthenticatedStream stream) {
    CAIRN_LOG_DEBUG("partner connection accepted; TLS handshake");
    tasks_.add(Handshake(kj::mv(stream)));
    return AcceptLoop();
  });
}

kj::Promise<void> PartnerPlane::Handshake(kj::AuthenticatedStream stream) {
  std::shared_ptr<MutualTls> tls = tls_;
  return tls->WrapServer(kj::mv(stream))
      .then(
          [this, tls](kj::AuthenticatedStream authenticated) { Admit(kj::mv(authenticated), tls); },
          [](kj::Exception&& e) {
            CAIRN_LOG_INFO("refused a partner connection: TLS handshake failed (",
                           e.getDescription().cStr(), ")");
          });
}

void PartnerPlane::Admit(kj::AuthenticatedStream stream, std::shared_ptr<MutualTls> tls) {
  absl::StatusOr<Fingerprint> fingerprint = PeerFingerprint(*stream.peerIdentity);
  if (!fingerprint.ok()) {
    CAIRN_LOG_WARNING("refused a partner connection: ", fingerprint.status().message());
    return;
  }
  std::string fp = fingerprint->ToString();
  std::optional<Partner> partner = partners_.FindActiveByFingerprint(fp);
  if (!partner) {
    // Trusted by an older TLS context but revoked since.
    CAIRN_LOG_INFO("refused a connection from ", fp, ": not an active partner");
    return;
  }
  if (ConnectionsOf(fp) >= static_cast<uint32_t>(context_.config->max_connections_per_partner)) {
    CAIRN_LOG_WARNING("refused a connection from partner '", partner->name, "': already ",
                      context_.config->max_connections_per_partner, " connections open");
    return;
  }
  absl::StatusOr<CertificateInfo> cert = ParseCertificate(partner->certificate_pem);
  if (!cert.ok()) {
    CAIRN_LOG_ERROR("partner '", partner->name,
                    "' has an unreadable certificate: ", cert.status().message());
    return;
  }
  uint64_t id = next_id_++;
  auto connection = std::make_unique<Connection>();
  connection->id = id;
  connection->fingerprint = fp;
  connection->partner = partner->name;
  connection->tls = std::move(tls);
  connection->stream = kj::mv(stream.stream);
  connection->network = kj::heap<capnp::TwoPartyVatNetwork>(
      *connection->stream, capnp::rpc::twoparty::Side::SERVER, reader_options());
  capnp::Capability::Client session = kj::heap<Session>(*this, id, *partner, cert->public_key);
  connection->rpc = kj::heap<capnp::RpcSystem<capnp::rpc::twoparty::VatId>>(
      capnp::makeRpcServer(*connection->network, kj::mv(session)));
  tasks_.add(connection->network->onDisconnect().then(
      [this, id] { Drop(id); },
      [this, id](kj::Exception&& e) {
        CAIRN_LOG_INFO("partner connection closed: ", e.getDescription().cStr());
        Drop(id);
      }));
  CAIRN_LOG_INFO("partner '", partner->name, "' connected (", fp, ")");
  connections_[id] = std::move(connection);
}

void PartnerPlane::Drop(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  CAIRN_LOG_DEBUG("partner '", it->second->partner, "' disconnected");
  // Destroy later: we may be inside a callback of this very connection.
  tasks_.add(kj::evalLater([c = std::shared_ptr<Connection>(std::move(it->second))] {}));
  connections_.erase(it);
}

uint32_t PartnerPlane::Disconnect(const std::string& fingerprint) {
  std::vector<uint64_t> ids;
  for (const auto& [id, c] : connections_) {
    if (c->fingerprint == fingerprint) ids.push_back(id);
  }
  for (uint64_t id : ids) Drop(id);
  outbound_.erase(fingerprint);
  return static_cast<uint32_t>(ids.size());
}

uint32_t PartnerPlane::ConnectionsOf(const std::string& fingerprint) const {
  uint32_t n = 0;
  for (const auto& [id, c] : connections_) n += c->fingerprint == fingerprint;
  return n;
}

kj::Promise<PeerConnection*> PartnerPlane::Outbound(const Partner& partner) {
  auto it = outbound_.find(partner.fingerprint);
  if (it != outbound_.end() && !it->second->broken()) {
    return kj::Promise<PeerConnection*>(it->second.get());
  }
  if (partner.endpoint.empty()) {
    ThrowIfError(absl::FailedPreconditionError(absl::StrCat(
        "partner '", partner.name, "' has no endpoint; register it with --endpoint HOST:PORT")));
  }
  absl::StatusOr<Fingerprint> fp = Fingerprint::Parse(partner.fingerprint);
  ThrowIfError(fp.status());
  std::string key = partner.fingerprint;
  std::string name = partner.name;
  std::string endpoint = partner.endpoint;
  return PeerConnection::Open(io_.provider->getNetwork(), tls_, endpoint, *fp, reader_options())
      .then(
          [this, key](kj::Own<PeerConnection> connection) {
            PeerConnection* raw = connection.get();
            outbound_[key] = kj::mv(connection);
            return raw;
          },
          [name, endpoint](kj::Exception&& e) -> PeerConnection* {
            ThrowIfError(
                absl::UnavailableError(absl::StrCat("cannot reach partner '", name, "' at ",
                                                    endpoint, ": ", e.getDescription().cStr())));
            return nullptr;
          });
}

kj::Promise<std::string> PartnerPlane::CallFederation(const Partner& partner, FederationCall call,
                                                      std::string request) {
  std::string name = partner.name;
  auto reply =
      Outbound(partner).then([call, request = std::move(request)](PeerConnection* connection) {
        return connection->CallFederation(call, request);
      });
  return io_.provider->getTimer()
      .timeoutAfter(context_.config->ask_timeout_seconds * kj::SECONDS, kj::mv(reply))
      .catch_([name, call](kj::Exception&& e) -> std::string {
        if (e.getType() == kj::Exception::Type::OVERLOADED &&
            kj::StringPtr(e.getDescription()).startsWith("operation timed out")) {
          ThrowIfError(absl::DeadlineExceededError(absl::StrCat(
              "partner '", name, "' did not answer ", FederationCallName(call), " in time")));
        }
        kj::throwFatalException(kj::mv(e));
      });
}

kj::Promise<VerifiedAnswer> PartnerPlane::Ask(const Partner& partner, Query query) {
  absl::StatusOr<CertificateInfo> cert = ParseCertificate(partner.certificate_pem);
  ThrowIfError(cert.status());
  PublicKey key = cert->public_key;
  absl::StatusOr<SignedBytes> request = SignQueryRequest(me_.identity, key, query, context_.clock->Now());
  ThrowIfError(request.status());
  const ParticipantIdentity* me = &me_;
  const ServiceContext* context = &context_;
  auto answer =
      Outbound(partner)
          .then([request = *request, name = partner.name](PeerConnection* connection) {
            return connection->Send(request).catch_([name](kj::Exception&& e) -> std::string {
              absl::Status s = ExceptionToStatus(e);
              ThrowIfError(absl::Status(
                  s.code(), absl::StrCat("partner '", name, "' refused: ", s.message())));
              return "";
            });
          })
          .then([context, me, key, request = *request](std::string sealed) {
            return context->readers->Run([me, key, request, sealed = std::move(sealed)] {
              return OpenAnswer(me->identity, key, request, sealed);
            });
          })
          .then([](absl::StatusOr<VerifiedAnswer> verified) {
            ThrowIfError(verified.status());
            return *std::move(verified);
          });
  std::string name = partner.name;
  return io_.provider->getTimer()
      .timeoutAfter(context_.config->ask_timeout_seconds * kj::SECONDS, kj::mv(answer))
      .catch_([name](kj::Exception&& e) -> VerifiedAnswer {
        if (e.getType() == kj::Exception::Type::OVERLOADED &&
            kj::StringPtr(e.getDescription()).startsWith("operation timed out")) {
          ThrowIfError(absl::DeadlineExceededError(
              absl::StrCat("partner '", name, "' did not answer in time")));
        }
        kj::throwFatalException(kj::mv(e));
      });
}

}  // namespace cairn
