#include "bench/partner_targets.h"

#include <capnp/message.h>
#include <capnp/rpc-twoparty.h>

#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crypto/certificate.h"
#include "crypto/tls.h"
#include "daemon/peer_client.h"
#include "protocol/convert.h"
#include "protocol/partner.capnp.h"
#include "protocol/rpc_status.h"
#include "protocol/signed_envelope.h"
#include "bench/clear_query.capnp.h"

namespace cairn {
namespace {

// A two-party RPC client connection over `stream` and the server's bootstrap capability.
// Members are destroyed in reverse order: the capability, the RPC system, the network it
// reads, and last the stream.
struct RpcConnection {
  explicit RpcConnection(kj::Own<kj::AsyncIoStream> s)
      : stream(kj::mv(s)),
        network(*stream, capnp::rpc::twoparty::Side::CLIENT),
        rpc(capnp::makeRpcClient(network)) {
    capnp::word scratch[4] = {};
    capnp::MallocMessageBuilder message(scratch);
    auto vat_id = message.getRoot<capnp::rpc::twoparty::VatId>();
    vat_id.setSide(capnp::rpc::twoparty::Side::SERVER);
    bootstrap = rpc.bootstrap(vat_id);
  }

  kj::Own<kj::AsyncIoStream> stream;
  capnp::TwoPartyVatNetwork network;
  capnp::RpcSystem<capnp::rpc::twoparty::VatId> rpc;
  capnp::Capability::Client bootstrap = nullptr;
};

absl::Status Unreachable(absl::string_view endpoint, const kj::Exception& e) {
  return absl::UnavailableError(
      absl::StrCat("cannot connect to ", endpoint, ": ", e.getDescription().cStr()));
}

Timestamp Now() { return absl::ToUnixMicros(absl::Now()); }

class SecuredTarget final : public Target {
 public:
  SecuredTarget(kj::AsyncIoContext& io, const ParticipantIdentity& me, CertificateInfo owner,
                std::shared_ptr<MutualTls> tls, std::string endpoint, Query query)
      : io_(io),
        me_(me),
        owner_(std::move(owner)),
        tls_(std::move(tls)),
        endpoint_(std::move(endpoint)),
        query_(std::move(query)) {}

  absl::Status Connect(int n) override {
    connections_.clear();
    for (int i = 0; i < n; ++i) {
      kj::Own<PeerConnection> connection;
      KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                     connection = PeerConnection::Open(io_.provider->getNetwork(), tls_, endpoint_,
                                                       owner_.fingerprint, capnp::ReaderOptions())
                                      .wait(io_.waitScope);
                   })) {
        return Unreachable(endpoint_, *e);
      }
      connections_.push_back(kj::mv(connection));
    }
    return absl::OkStatus();
  }

  kj::Promise<QueryResult> Ask(int c) override {
    absl::StatusOr<SignedBytes> request =
        SignQueryRequest(me_.identity, owner_.public_key, query_, Now());
    if (!request.ok()) return StatusToException(request.status());
    kj::Promise<std::string> reply = connections_[c]->Send(*request);
    return reply.then([this, request = *std::move(request)](std::string sealed) {
      absl::StatusOr<VerifiedAnswer> answer =
          OpenAnswer(me_.identity, owner_.public_key, request, sealed);
      ThrowIfError(answer.status());
      return std::move(answer->attestation.result);
    });
  }

  kj::Promise<void> Dial() override {
    std::shared_ptr<MutualTls> tls = tls_;
    Fingerprint owner = owner_.fingerprint;
    return io_.provider->getNetwork()
        .parseAddress(endpoint_)
        .then([](kj::Own<kj::NetworkAddress> address) {
          return address->connectAuthenticated().attach(kj::mv(address));
        })
        .then([tls, owner](kj::AuthenticatedStream stream) {
          return tls->WrapClient(kj::mv(stream), owner);
        })
        .then([tls](kj::AuthenticatedStream stream) {
          auto connection = kj::heap<RpcConnection>(kj::mv(stream.stream));
          kj::Promise<void> ready =
              connection->bootstrap.castAs<proto::PartnerSession>().whenResolved();
          return ready.attach(kj::mv(connection));
        });
  }

 private:
  kj::AsyncIoContext& io_;
  const ParticipantIdentity& me_;
  const CertificateInfo owner_;
  const std::shared_ptr<MutualTls> tls_;
  const std::string endpoint_;
  const Query query_;
  std::vector<kj::Own<PeerConnection>> connections_;
};

class ClearTarget final : public Target {
 public:
  ClearTarget(kj::AsyncIoContext& io, std::string endpoint, Query query)
      : io_(io), endpoint_(std::move(endpoint)), query_(std::move(query)) {}

  absl::Status Connect(int n) override {
    clients_.clear();
    connections_.clear();
    for (int i = 0; i < n; ++i) {
      kj::Own<kj::AsyncIoStream> stream;
      KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                     stream = io_.provider->getNetwork()
                                  .parseAddress(endpoint_)
                                  .wait(io_.waitScope)
                                  ->connect()
                                  .wait(io_.waitScope);
                   })) {
        return Unreachable(endpoint_, *e);
      }
      connections_.push_back(kj::heap<RpcConnection>(kj::mv(stream)));
      clients_.push_back(connections_.back()->bootstrap.castAs<bench::ClearQuery>());
    }
    return absl::OkStatus();
  }

  kj::Promise<QueryResult> Ask(int c) override {
    auto call = clients_[c].queryRequest();
    ToProto(query_, call.initQuery());
    return call.send().then([](capnp::Response<bench::ClearQuery::QueryResults> response) {
      absl::StatusOr<QueryResult> result = FromProto(response.getResult());
      ThrowIfError(result.status());
      return *std::move(result);
    });
  }

  kj::Promise<void> Dial() override {
    return io_.provider->getNetwork()
        .parseAddress(endpoint_)
        .then([](kj::Own<kj::NetworkAddress> address) {
          return address->connect().attach(kj::mv(address));
        })
        .then([](kj::Own<kj::AsyncIoStream> stream) {
          auto connection = kj::heap<RpcConnection>(kj::mv(stream));
          kj::Promise<void> ready =
              connection->bootstrap.castAs<bench::ClearQuery>().whenResolved();
          return ready.attach(kj::mv(connection));
        });
  }

 private:
  kj::AsyncIoContext& io_;
  const std::string endpoint_;
  const Query query_;
  // Clients first: they are destroyed before the connections they use.
  std::vector<kj::Own<RpcConnection>> connections_;
  std::vector<bench::ClearQuery::Client> clients_;
};

}  // namespace

absl::StatusOr<TargetSpec> ParseTargetSpec(absl::string_view text) {
  std::pair<absl::string_view, absl::string_view> name_rest = absl::StrSplit(text, '=');
  auto bad = [text](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "target '", text, "': ", why,
        " (expected NAME=secured,HOST:PORT,PID,CERT_FILE or NAME=clear,HOST:PORT,PID)"));
  };
  if (name_rest.first.empty()) return bad("no name");
  std::vector<absl::string_view> fields = absl::StrSplit(name_rest.second, ',');
  TargetSpec spec;
  spec.name = std::string(name_rest.first);
  if (fields[0] == "secured") {
    spec.secured = true;
    if (fields.size() != 4) return bad("a secured target has 4 fields");
    spec.certificate_file = std::string(fields[3]);
  } else if (fields[0] == "clear") {
    if (fields.size() != 3) return bad("a clear target has 3 fields");
  } else {
    return bad(absl::StrCat("unknown kind '", fields[0], "'"));
  }
  spec.endpoint = std::string(fields[1]);
  if (spec.endpoint.find(':') == std::string::npos) return bad("the endpoint is not HOST:PORT");
  int pid = 0;
  if (!absl::SimpleAtoi(fields[2], &pid) || pid <= 0) return bad("the PID is not a process id");
  spec.pid = pid;
  return spec;
}

absl::StatusOr<std::unique_ptr<Target>> MakeSecuredTarget(kj::AsyncIoContext& io,
                                                          const ParticipantIdentity& me,
                                                          absl::string_view owner_certificate_pem,
                                                          std::string endpoint, Query query) {
  absl::StatusOr<CertificateInfo> owner = ParseCertificate(owner_certificate_pem);
  if (!owner.ok()) return owner.status();
  absl::StatusOr<std::unique_ptr<MutualTls>> tls = MutualTlsBuilder(me.identity, me.certificate_pem)
                                                       .AddTrustedPeer(owner_certificate_pem)
                                                       .SetTimer(io.provider->getTimer())
                                                       .Build();
  if (!tls.ok()) return tls.status();
  return std::unique_ptr<Target>(new SecuredTarget(io, me, *std::move(owner),
                                                   std::shared_ptr<MutualTls>(*std::move(tls)),
                                                   std::move(endpoint), std::move(query)));
}

std::unique_ptr<Target> MakeClearTarget(kj::AsyncIoContext& io, std::string endpoint, Query query) {
  return std::make_unique<ClearTarget>(io, std::move(endpoint), std::move(query));
}

}  // namespace cairn
