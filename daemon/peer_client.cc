#include "daemon/peer_client.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/hash.h"
#include "crypto/sealing.h"

namespace cairn {
namespace {

capnp::Data::Reader DataOf(absl::string_view s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

}  // namespace

PeerConnection::PeerConnection(std::shared_ptr<MutualTls> tls, kj::Own<kj::AsyncIoStream> stream,
                               capnp::ReaderOptions options)
    : tls_(std::move(tls)), stream_(kj::mv(stream)) {
  network_ =
      kj::heap<capnp::TwoPartyVatNetwork>(*stream_, capnp::rpc::twoparty::Side::CLIENT, options);
  rpc_ = kj::heap<capnp::RpcSystem<capnp::rpc::twoparty::VatId>>(capnp::makeRpcClient(*network_));
  capnp::word scratch[4];
  memset(scratch, 0, sizeof(scratch));
  capnp::MallocMessageBuilder message(scratch);
  auto vat_id = message.getRoot<capnp::rpc::twoparty::VatId>();
  vat_id.setSide(capnp::rpc::twoparty::Side::SERVER);
  session_ = rpc_->bootstrap(vat_id).castAs<proto::PartnerSession>();
  std::shared_ptr<bool> broken = broken_;
  watch_disconnect_ =
      network_->onDisconnect()
          .then([broken] { *broken = true; }, [broken](kj::Exception&&) { *broken = true; })
          .eagerlyEvaluate(nullptr);
}

PeerConnection::~PeerConnection() = default;

kj::Promise<kj::Own<PeerConnection>> PeerConnection::Open(kj::Network& network,
                                                          std::shared_ptr<MutualTls> tls,
                                                          std::string endpoint, Fingerprint server,
                                                          capnp::ReaderOptions options) {
  return network.parseAddress(endpoint)
      .then([](kj::Own<kj::NetworkAddress> address) {
        return address->connectAuthenticated().attach(kj::mv(address));
      })
      .then([tls, server](kj::AuthenticatedStream stream) {
        return tls->WrapClient(kj::mv(stream), server);
      })
      .then([tls, options](kj::AuthenticatedStream stream) {
        return kj::heap<PeerConnection>(tls, kj::mv(stream.stream), options);
      });
}

kj::Promise<std::string> PeerConnection::Send(const SignedBytes& request) {
  auto call = session_.queryRequest();
  auto r = call.initRequest();
  r.setRequest(DataOf(request.payload));
  r.setSignature(DataOf(request.signature));
  return call.send().then([](capnp::Response<proto::PartnerSession::QueryResults> response) {
    auto sealed = response.getSealed();
    return std::string(reinterpret_cast<const char*>(sealed.begin()), sealed.size());
  });
}

kj::Promise<std::string> PeerConnection::CallFederation(FederationCall call,
                                                        const std::string& request) {
  proto::Federation::Client* federation;
  KJ_IF_MAYBE (f, federation_) {
    federation = f;
  } else {
    federation = &federation_.emplace(session_.federationRequest().send().getFederation());
  }
  auto bytes = [](capnp::Data::Reader d) {
    return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
  };
  switch (call) {
    case FederationCall::kPropose: {
      auto r = federation->proposeRequest();
      r.setProposal(DataOf(request));
      return r.send().then([bytes](auto response) { return bytes(response.getCommitment()); });
    }
    case FederationCall::kAnnounce: {
      auto r = federation->announceRequest();
      r.setAnnouncement(DataOf(request));
      return r.send().then([bytes](auto response) { return bytes(response.getContribution()); });
    }
    case FederationCall::kValues: {
      auto r = federation->valuesRequest();
      r.setRequest(DataOf(request));
      return r.send().then([bytes](auto response) { return bytes(response.getContribution()); });
    }
  }
  KJ_FAIL_ASSERT("unknown federation call");
}

absl::StatusOr<VerifiedAnswer> OpenAnswer(const Identity& me, const PublicKey& expected_attester,
                                          const SignedBytes& request, absl::string_view sealed) {
  absl::StatusOr<std::string> opened = Open(me, sealed);
  if (!opened.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the answer could not be opened with our key: ", opened.status().message()));
  }
  CAIRN_ASSIGN_OR_RETURN(SignedBytes signed_result, DecodeSignedResult(*opened));
  CAIRN_ASSIGN_OR_RETURN(AttestationInfo info,
                         VerifySignedResult(signed_result, {expected_attester, me.public_key()}));
  if (info.attester != expected_attester) {
    return absl::UnauthenticatedError(
        absl::StrCat("the answer is signed by ", info.attester.fingerprint().ToString(),
                     ", not by ", expected_attester.fingerprint().ToString()));
  }
  if (info.requester != me.public_key()) {
    return absl::UnauthenticatedError("the answer was made for another requester");
  }
  if (info.request_hash != Sha256(request.payload)) {
    return absl::UnauthenticatedError("the answer is for another request");
  }
  return VerifiedAnswer{std::move(signed_result), std::move(info)};
}

}  // namespace cairn
