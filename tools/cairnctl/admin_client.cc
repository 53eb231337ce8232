#include "tools/cairnctl/admin_client.h"

#include <capnp/message.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "participant/config.h"
#include "protocol/convert.h"
#include "protocol/rpc_status.h"

namespace cairn {

absl::Status AdminClient::FromKj(const kj::Exception& e) { return ExceptionToStatus(e); }

absl::StatusOr<std::unique_ptr<AdminClient>> AdminClient::Connect(const std::string& data_dir) {
  DataDir dir(data_dir);
  absl::StatusOr<Config> config = LoadConfig(dir.ConfigPath());
  if (absl::IsNotFound(config.status())) {
    return absl::NotFoundError(absl::StrCat(dir.root(), " is not a Cairn data dir (no ",
                                            dir.ConfigPath(),
                                            "); create one with `cairnctl init`"));
  }
  if (absl::IsPermissionDenied(config.status())) {
    return absl::PermissionDeniedError(absl::StrCat("permission denied reading ", dir.ConfigPath(),
                                                    ": run cairnctl as the user that runs cairnd"));
  }
  if (!config.ok()) return config.status();
  std::string socket_path = dir.SocketPath(config->admin_socket);
  struct stat st;
  if (stat(socket_path.c_str(), &st) != 0) {
    if (errno == EACCES) {
      return absl::PermissionDeniedError(absl::StrCat(
          "permission denied reading ", dir.root(), ": run cairnctl as the user that runs cairnd"));
    }
    return absl::UnavailableError(absl::StrCat("cairnd is not running on ", dir.root(),
                                               " (no socket ", socket_path,
                                               "); start it with: cairnd --data-dir ", dir.root()));
  }
  std::unique_ptr<AdminClient> client(new AdminClient(kj::setupAsyncIo()));
  auto address = UnixSocketAddress::For(socket_path);
  if (!address.ok()) return address.status();
  client->address_ = *std::move(address);
  absl::Status connected = client->Guard([&]() -> absl::Status {
    auto addr = client->io_.provider->getNetwork()
                    .parseAddress(kj::StringPtr(client->address_->kj_address().c_str()))
                    .wait(client->io_.waitScope);
    client->stream_ = addr->connect().wait(client->io_.waitScope);
    return absl::OkStatus();
  });
  if (!connected.ok()) {
    std::string text(connected.message());
    if (absl::StrContains(text, "ECONNREFUSED") || absl::StrContains(text, "refused")) {
      return absl::UnavailableError(
          absl::StrCat("cairnd is not running on ", dir.root(), " (stale socket ", socket_path,
                       "); start it with: cairnd --data-dir ", dir.root()));
    }
    if (absl::StrContains(text, "EACCES") || absl::StrContains(text, "ermission")) {
      return absl::PermissionDeniedError(absl::StrCat(
          "permission denied on ", socket_path, ": run cairnctl as the user that runs cairnd"));
    }
    return absl::UnavailableError(
        absl::StrCat("cannot connect to cairnd at ", socket_path, ": ", text));
  }
  client->rpc_ = kj::heap<capnp::TwoPartyClient>(*client->stream_);
  client->admin_ = client->rpc_->bootstrap().castAs<proto::Admin>();
  return client;
}

AdminClient::~AdminClient() = default;

absl::StatusOr<DaemonStatusInfo> AdminClient::Status() {
  DaemonStatusInfo info;
  absl::Status s = Guard([&]() -> absl::Status {
    auto response = admin_.statusRequest().send().wait(io_.waitScope);
    auto st = response.getStatus();
    info.name = st.getName();
    info.version = st.getVersion();
    info.data_dir = st.getDataDir();
    info.pid = st.getPid();
    info.uptime_seconds = st.getUptimeSeconds();
    info.records = st.getRecords();
    info.series = st.getSeries();
    info.disk_bytes = st.getDiskBytes();
    info.partner_queries_refused = st.getPartnerQueriesRefused();
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return info;
}

absl::StatusOr<MetricRegistry> AdminClient::Metrics() {
  MetricRegistry registry;
  absl::Status s = Guard([&]() -> absl::Status {
    auto response = admin_.metricsRequest().send().wait(io_.waitScope);
    for (auto m : response.getMetrics()) {
      Metric metric = FromProto(m);
      if (!metric.builtin) {
        absl::Status r = registry.Register(metric);
        if (!r.ok()) return r;
      }
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return registry;
}

absl::Status AdminClient::RegisterMetric(const Metric& metric) {
  return Guard([&]() -> absl::Status {
    auto request = admin_.registerMetricRequest();
    ToProto(metric, request.initMetric());
    request.send().wait(io_.waitScope);
    return absl::OkStatus();
  });
}

absl::StatusOr<QueryResult> AdminClient::RunQuery(const Query& query) {
  absl::StatusOr<QueryResult> result = absl::InternalError("no answer");
  absl::Status s = Guard([&]() -> absl::Status {
    auto request = admin_.queryRequest();
    ToProto(query, request.initQuery());
    auto response = request.send().wait(io_.waitScope);
    result = FromProto(response.getResult());
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return result;
}

absl::Status AdminClient::CheckConsistency() {
  return Guard([&]() -> absl::Status {
    auto response = admin_.checkConsistencyRequest().send().wait(io_.waitScope);
    if (response.getOk()) return absl::OkStatus();
    return absl::DataLossError(std::string(response.getMessage()));
  });
}

namespace {

PartnerView ToView(proto::PartnerInfo::Reader p) {
  PartnerView v;
  v.name = p.getName();
  v.fingerprint = p.getFingerprint();
  v.display_name = p.getDisplayName();
  v.endpoint = p.getEndpoint();
  v.certificate_pem = p.getCertificatePem();
  for (auto m : p.getAllowedMetrics()) v.allowed_metrics.emplace_back(m);
  v.added_at = p.getAddedAt();
  v.revoked = p.getRevoked();
  v.revoked_at = p.getRevokedAt();
  v.not_after = p.getNotAfter();
  v.connections = p.getConnections();
  return v;
}

}  // namespace

absl::StatusOr<IdentityView> AdminClient::Identity() {
  IdentityView v;
  absl::Status s = Guard([&]() -> absl::Status {
    auto response = admin_.identityRequest().send().wait(io_.waitScope);
    auto id = response.getIdentity();
    v.name = id.getName();
    v.fingerprint = id.getFingerprint();
    v.certificate_pem = id.getCertificatePem();
    v.not_after = id.getNotAfter();
    v.listen = id.getListen();
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return v;
}

absl::StatusOr<PartnerView> AdminClient::AddPartner(const std::string& name,
                                                    const std::string& cert_pem,
                                                    const std::string& endpoint,
                                                    const std::string& fingerprint,
                                                    const std::vector<std::string>& allow_metrics) {
  PartnerView v;
  absl::Status s = Guard([&]() -> absl::Status {
    auto request = admin_.addPartnerRequest();
    request.setName(name);
    request.setCertificatePem(cert_pem);
    request.setEndpoint(endpoint);
    request.setFingerprint(fingerprint);
    auto metrics = request.initAllowMetrics(allow_metrics.size());
    for (size_t i = 0; i < allow_metrics.size(); ++i) metrics.set(i, allow_metrics[i]);
    v = ToView(request.send().wait(io_.waitScope).getPartner());
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return v;
}

absl::StatusOr<std::vector<PartnerView>> AdminClient::ListPartners() {
  std::vector<PartnerView> out;
  absl::Status s = Guard([&]() -> absl::Status {
    auto response = admin_.listPartnersRequest().send().wait(io_.waitScope);
    for (auto p : response.getPartners()) out.push_back(ToView(p));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<uint32_t> AdminClient::RevokePartner(const std::string& name) {
  uint32_t closed = 0;
  absl::Status s = Guard([&]() -> absl::Status {
    auto request = admin_.revokePartnerRequest();
    request.setName(name);
    closed = request.send().wait(io_.waitScope).getClosedConnections();
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return closed;
}

absl::Status AdminClient::AllowMetrics(const std::string& name,
                                       const std::vector<std::string>& metrics) {
  return Guard([&]() -> absl::Status {
    auto request = admin_.allowMetricsRequest();
    request.setName(name);
    auto list = request.initMetrics(metrics.size());
    for (size_t i = 0; i < metrics.size(); ++i) list.set(i, metrics[i]);
    request.send().wait(io_.waitScope);
    return absl::OkStatus();
  });
}

absl::StatusOr<PeerAnswerView> AdminClient::AskPeer(const std::string& peer, const Query& query) {
  PeerAnswerView v;
  absl::Status s = Guard([&]() -> absl::Status {
    auto request = admin_.askPeerRequest();
    request.setPeer(peer);
    ToProto(query, request.initQuery());
    auto response = request.send().wait(io_.waitScope);
    auto a = response.getAnswer();
    v.signed_result = std::string(reinterpret_cast<const char*>(a.getSignedResult().begin()),
                                  a.getSignedResult().size());
    absl::StatusOr<QueryResult> result = FromProto(a.getResult());
    if (!result.ok()) return result.status();
    v.result = *std::move(result);
    v.attester_name = a.getAttesterName();
    v.attester_fingerprint = a.getAttesterFingerprint();
    v.answered_at = a.getAnsweredAt();
    v.grant = a.getGrant();
    v.noise = a.getNoise();
    v.suppressed_groups = a.getSuppressedGroups();
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return v;
}

kj::Promise<ImportOutcome> AdminClient::SendBatch(const RecordBatch& batch) {
  auto request = admin_.importBatchRequest(
      capnp::MessageSize{batch.points.size() * 3 + batch.series.size() * 16 + 64, 0});
  ToProto(batch, request.initBatch());
  return request.send().then([](capnp::Response<proto::Admin::ImportBatchResults> response) {
    auto o = response.getOutcome();
    ImportOutcome outcome;
    outcome.inserted = o.getInserted();
    outcome.replaced = o.getReplaced();
    outcome.unchanged = o.getUnchanged();
    outcome.new_series = o.getNewSeries();
    return outcome;
  });
}

}  // namespace cairn
