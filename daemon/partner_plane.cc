#include "daemon/partner_plane.h"

#include <optional>

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

// A capability a connection hands out besides its session: every call on it is admitted like
// the session's own calls, then passed on to the capability that serves it. It forwards any
// method of any interface, so a method added to the schema is counted without a change here.
class PartnerPlane::AdmittedCapability final : public capnp::Capability::Server {
 public:
  AdmittedCapability(PartnerPlane& plane, std::shared_ptr<InFlightLimit> calls, std::string partner,
                     capnp::Capability::Client inner)
      : plane_(plane),
        calls_(std::move(calls)),
        partner_(std::move(partner)),
        inner_(kj::mv(inner)) {}

  DispatchCallResult dispatchCall(
      uint64_t interface_id, uint16_t method_id,
      capnp::CallContext<capnp::AnyPointer, capnp::AnyPointer> context) override {
    CallTickets tickets = plane_.AdmitCall(*calls_, partner_);
    capnp::AnyPointer::Reader params = context.getParams();
    auto request = inner_.typelessRequest(interface_id, method_id, params.targetSize());
    request.set(params);
    context.releaseParams();
    auto done = request.send()
                    .then([context](capnp::Response<capnp::AnyPointer> response) mutable {
                      context.getResults(response.targetSize()).set(response);
                    })
                    .attach(kj::mv(tickets));
    return {kj::mv(done), false};
  }

 private:
  PartnerPlane& plane_;
  std::shared_ptr<InFlightLimit> calls_;
  std::string partner_;
  capnp::Capability::Client inner_;
};

// The capability a partner holds: every call acts as the partner the handshake authenticated,
// and takes one of the connection's places for calls in flight.
class PartnerPlane::Session final : public proto::PartnerSession::Server {
 public:
  Session(PartnerPlane& plane, Partner partner, PublicKey peer,
          std::shared_ptr<InFlightLimit> calls)
      : plane_(plane), partner_(std::move(partner)), peer_(peer), calls_(std::move(calls)) {}

  kj::Promise<void> query(QueryContext call) override {
    CallTickets tickets = plane_.AdmitCall(*calls_, partner_.name);
    auto r = call.getParams().getRequest();
    SignedBytes request{
        std::string(reinterpret_cast<const char*>(r.getRequest().begin()), r.getRequest().size()),
        std::string(reinterpret_cast<const char*>(r.getSignature().begin()),
                    r.getSignature().size())};
    call.releaseParams();
    return plane_.service_.Answer(partner_, peer_, std::move(request))
        .then([call](std::string sealed) mutable {
          call.getResults().setSealed(
              capnp::Data::Reader(reinterpret_cast<const kj::byte*>(sealed.data()), sealed.size()));
        })
        .attach(kj::mv(tickets));
  }

  // The connection's one Federation capability, however often the partner asks: its calls take
  // this connection's places like queries do, and asking again holds no new object.
  kj::Promise<void> federation(FederationContext call) override {
    if (!plane_.federation_endpoints_) {
      ThrowIfError(absl::UnimplementedError("this daemon takes part in no federated rounds"));
    }
    if (!federation_) {
      capnp::Capability::Client admitted = kj::heap<AdmittedCapability>(
          plane_, calls_, partner_.name, plane_.federation_endpoints_(partner_, peer_));
      federation_ = admitted.castAs<proto::Federation>();
    }
    call.getResults().setFederation(*federation_);
    return kj::READY_NOW;
  }

 private:
  PartnerPlane& plane_;
  Partner partner_;
  PublicKey peer_;
  std::shared_ptr<InFlightLimit> calls_;  // the connection's; shared with its capabilities
  std::optional<proto::Federation::Client> federation_;
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
      partner_calls_(context.config->max_queued_calls),
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
  acceptor_ = kj::heap<Acceptor>(*listener_, io_.provider->getTimer(), "partner connections",
                                 [this](kj::AuthenticatedStream s) { Handshake(kj::mv(s)); });
  return acceptor_->Run();
}

PartnerPlane::CallTickets PartnerPlane::AdmitCall(InFlightLimit& connection,
                                                  const std::string& partner) {
  std::optional<InFlightLimit::Ticket> mine = connection.TryAdmit();
  std::optional<InFlightLimit::Ticket> all = mine ? partner_calls_.TryAdmit() : std::nullopt;
  if (mine && all) return CallTickets{*std::move(mine), *std::move(all)};
  absl::Status refusal = absl::ResourceExhaustedError(
      mine ? absl::StrCat("this daemon is busy: partners have ", partner_calls_.limit(),
                          " calls waiting for it; try again later")
           : absl::StrCat("too many calls in flight on this connection (", connection.limit(),
                          "); wait for an answer before sending more"));
  if (int64_t n = calls_refused_.Count()) {
    CAIRN_LOG_WARNING("refused ", n, n == 1 ? " partner call" : " partner calls in 10 s",
                      " (last from '", partner, "'): ", refusal.message());
  }
  kj::throwFatalException(StatusToException(refusal));
}

namespace {

// The source address of an accepted TCP connection, without the port ("127.0.0.1", "[::1]").
std::string SourceAddress(kj::PeerIdentity& peer) {
  auto* network = dynamic_cast<kj::NetworkPeerIdentity*>(&peer);
  if (network == nullptr) return "local";
  std::string address = network->getAddress().toString().cStr();
  size_t colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

}  // namespace

void PartnerPlane::Handshake(kj::AuthenticatedStream stream) {
  std::string address = SourceAddress(*stream.peerIdentity);
  auto from_address = pending_per_address_.find(address);
  if (from_address != pending_per_address_.end() &&
      from_address->second >= context_.config->max_pending_handshakes_per_address) {
    DropOldestHandshake(address, absl::StrCat(context_.config->max_pending_handshakes_per_address,
                                              " from ", address));
  }
  if (static_cast<int64_t>(pending_.size()) >= context_.config->max_pending_handshakes) {
    // From the address holding the most: a flood from many addresses then cannot push out a
    // partner whose handshake is merely slow (it holds one), as dropping the oldest of all would.
    std::string busiest = BusiestAddress();
    DropOldestHandshake(busiest, absl::StrCat(context_.config->max_pending_handshakes, " in all, ",
                                              busiest, " holding the most"));
  }
  uint64_t id = next_id_++;
  auto canceler = kj::heap<kj::Canceler>();
  std::shared_ptr<MutualTls> tls = tls_;
  kj::Promise<kj::AuthenticatedStream> handshake = canceler->wrap(tls->WrapServer(kj::mv(stream)));
  pending_.emplace(id, PendingHandshake{address, kj::mv(canceler)});
  ++pending_per_address_[address];
  tasks_.add(handshake.then(
      [this, id, tls](kj::AuthenticatedStream authenticated) {
        EndHandshake(id);
        Admit(kj::mv(authenticated), tls);
      },
      [this, id, address](kj::Exception&& e) {
        EndHandshake(id);
        if (int64_t n = handshakes_failed_.Count()) {
          CAIRN_LOG_INFO("refused a partner connection from ", address, ": TLS handshake failed (",
                         e.getDescription().cStr(), ")",
                         n > 1 ? absl::StrCat("; ", n, " such refusals in 10 s") : "");
        }
      }));
}

std::string PartnerPlane::BusiestAddress() const {
  auto busiest = pending_per_address_.begin();
  for (auto it = pending_per_address_.begin(); it != pending_per_address_.end(); ++it) {
    if (it->second > busiest->second) busiest = it;
  }
  return busiest == pending_per_address_.end() ? "" : busiest->first;
}

void PartnerPlane::DropOldestHandshake(const std::string& address, const std::string& limit) {
  auto oldest = pending_.begin();
  while (oldest != pending_.end() && oldest->second.address != address) ++oldest;
  if (oldest == pending_.end()) return;
  kj::Own<kj::Canceler> canceler = kj::mv(oldest->second.canceler);
  EndHandshake(oldest->first);
  if (int64_t n = handshakes_dropped_.Count()) {
    CAIRN_LOG_WARNING("too many pending TLS handshakes (", limit, "): dropped the oldest from ",
                      address, n > 1 ? absl::StrCat("; ", n, " dropped in 10 s") : "");
  }
  canceler->cancel("dropped: too many pending TLS handshakes");  // closes its connection
}

void PartnerPlane::EndHandshake(uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // dropped already
  auto from = pending_per_address_.find(it->second.address);
  if (--from->second == 0) pending_per_address_.erase(from);
  // Finished: the canceler no longer owns the handshake (which may be running this very call).
  if (it->second.canceler.get() != nullptr) it->second.canceler->release();
  pending_.erase(it);
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
  std::string full;
  if (static_cast<int64_t>(connections_.size()) >= context_.config->max_connections) {
    full = absl::StrCat("already ", connections_.size(),
                        " partner connections open in all (partners.max_connections)");
  } else if (ConnectionsOf(fp) >=
             static_cast<uint32_t>(context_.config->max_connections_per_partner)) {
    full =
        absl::StrCat("already ", context_.config->max_connections_per_partner, " connections open");
  }
  if (!full.empty()) {
    if (int64_t n = connections_refused_.Count()) {
      CAIRN_LOG_WARNING("refused a connection from partner '", partner->name, "': ", full,
                        n > 1 ? absl::StrCat("; ", n, " such refusals in 10 s") : "");
    }
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
  capnp::Capability::Client session =
      kj::heap<Session>(*this, *partner, cert->public_key,
                        std::make_shared<InFlightLimit>(context_.config->max_calls_in_flight));
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
