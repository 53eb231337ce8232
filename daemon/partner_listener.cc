#include "daemon/partner_listener.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "protocol/rpc_status.h"

namespace cairn {

// One authenticated inbound connection and the RPC system serving its session.
struct PartnerListener::Connection {
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
class PartnerListener::AdmittedCapability final : public capnp::Capability::Server {
 public:
  AdmittedCapability(PartnerListener& listener, std::shared_ptr<InFlightLimit> calls,
                     std::string partner, capnp::Capability::Client inner)
      : listener_(listener),
        calls_(std::move(calls)),
        partner_(std::move(partner)),
        inner_(kj::mv(inner)) {}

  DispatchCallResult dispatchCall(
      uint64_t interface_id, uint16_t method_id,
      capnp::CallContext<capnp::AnyPointer, capnp::AnyPointer> context) override {
    CallTickets tickets = listener_.AdmitCall(*calls_, partner_);
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
  PartnerListener& listener_;
  std::shared_ptr<InFlightLimit> calls_;
  std::string partner_;
  capnp::Capability::Client inner_;
};

// The capability a partner holds: every call acts as the partner the handshake authenticated,
// and takes one of the connection's places for calls in flight.
class PartnerListener::Session final : public proto::PartnerSession::Server {
 public:
  Session(PartnerListener& listener, Partner partner, PublicKey peer,
          std::shared_ptr<InFlightLimit> calls)
      : listener_(listener), partner_(std::move(partner)), peer_(peer), calls_(std::move(calls)) {}

  kj::Promise<void> query(QueryContext call) override {
    CallTickets tickets = listener_.AdmitCall(*calls_, partner_.name);
    auto r = call.getParams().getRequest();
    SignedBytes request{
        std::string(reinterpret_cast<const char*>(r.getRequest().begin()), r.getRequest().size()),
        std::string(reinterpret_cast<const char*>(r.getSignature().begin()),
                    r.getSignature().size())};
    call.releaseParams();
    return listener_.queries_.Answer(partner_, peer_, std::move(request))
        .then([call](std::string sealed) mutable {
          call.getResults().setSealed(
              capnp::Data::Reader(reinterpret_cast<const kj::byte*>(sealed.data()), sealed.size()));
        })
        .attach(kj::mv(tickets));
  }

  // The connection's one Federation capability, however often the partner asks: its calls take
  // this connection's places like queries do, and asking again holds no new object.
  kj::Promise<void> federation(FederationContext call) override {
    if (!listener_.federation_) {
      ThrowIfError(absl::UnimplementedError("this daemon takes part in no federated rounds"));
    }
    if (!federation_) {
      capnp::Capability::Client admitted = kj::heap<AdmittedCapability>(
          listener_, calls_, partner_.name, listener_.federation_(partner_, peer_));
      federation_ = admitted.castAs<proto::Federation>();
    }
    call.getResults().setFederation(*federation_);
    return kj::READY_NOW;
  }

 private:
  PartnerListener& listener_;
  Partner partner_;
  PublicKey peer_;
  std::shared_ptr<InFlightLimit> calls_;  // the connection's; shared with its capabilities
  std::optional<proto::Federation::Client> federation_;
};

void PartnerListener::ErrorHandler::taskFailed(kj::Exception&& exception) {
  CAIRN_LOG_DEBUG("partner connection task failed: ", exception.getDescription().cStr());
}

PartnerListener::PartnerListener(const ServiceContext& context, kj::AsyncIoContext& io,
                                 const PartnerStore& partners, const PartnerTrust& trust,
                                 PartnerService& queries, FederationEndpoints federation)
    : context_(context),
      io_(io),
      partners_(partners),
      trust_(trust),
      queries_(queries),
      federation_(std::move(federation)),
      partner_calls_(context.config->max_queued_calls),
      tasks_(error_handler_) {}

PartnerListener::~PartnerListener() { connections_.clear(); }

absl::Status PartnerListener::Listen(const std::string& address) {
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

kj::Promise<void> PartnerListener::Serve() {
  if (listener_.get() == nullptr) return kj::NEVER_DONE;
  CAIRN_LOG_DEBUG("accepting partner connections");
  acceptor_ = kj::heap<Acceptor>(*listener_, io_.provider->getTimer(), "partner connections",
                                 [this](kj::AuthenticatedStream s) { Handshake(kj::mv(s)); });
  return acceptor_->Run();
}

PartnerListener::CallTickets PartnerListener::AdmitCall(InFlightLimit& connection,
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

void PartnerListener::Handshake(kj::AuthenticatedStream stream) {
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
  std::shared_ptr<MutualTls> tls = trust_.current();
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

std::string PartnerListener::BusiestAddress() const {
  auto busiest = pending_per_address_.begin();
  for (auto it = pending_per_address_.begin(); it != pending_per_address_.end(); ++it) {
    if (it->second > busiest->second) busiest = it;
  }
  return busiest == pending_per_address_.end() ? "" : busiest->first;
}

void PartnerListener::DropOldestHandshake(const std::string& address, const std::string& limit) {
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

void PartnerListener::EndHandshake(uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // dropped already
  auto from = pending_per_address_.find(it->second.address);
  if (--from->second == 0) pending_per_address_.erase(from);
  // Finished: the canceler no longer owns the handshake (which may be running this very call).
  if (it->second.canceler.get() != nullptr) it->second.canceler->release();
  pending_.erase(it);
}

void PartnerListener::Admit(kj::AuthenticatedStream stream, std::shared_ptr<MutualTls> tls) {
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
      *connection->stream, capnp::rpc::twoparty::Side::SERVER, trust_.reader_options());
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

void PartnerListener::Drop(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  CAIRN_LOG_DEBUG("partner '", it->second->partner, "' disconnected");
  // Destroy later: we may be inside a callback of this very connection.
  tasks_.add(kj::evalLater([c = std::shared_ptr<Connection>(std::move(it->second))] {}));
  connections_.erase(it);
}

uint32_t PartnerListener::Disconnect(const std::string& fingerprint) {
  std::vector<uint64_t> ids;
  for (const auto& [id, c] : connections_) {
    if (c->fingerprint == fingerprint) ids.push_back(id);
  }
  for (uint64_t id : ids) Drop(id);
  return static_cast<uint32_t>(ids.size());
}

uint32_t PartnerListener::ConnectionsOf(const std::string& fingerprint) const {
  uint32_t n = 0;
  for (const auto& [id, c] : connections_) n += c->fingerprint == fingerprint;
  return n;
}

}  // namespace cairn
