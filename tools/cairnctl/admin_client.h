// AdminClient: cairnctl's connection to the local cairnd over the data dir's Unix socket.
//
// Connect() turns the usual failures into advice: no daemon running, a stale socket, or a
// permission error because cairnctl runs as another user than cairnd. Methods block on the
// client's own event loop. One thread at a time.
#ifndef CAIRN_TOOLS_CAIRNCTL_ADMIN_CLIENT_H_
#define CAIRN_TOOLS_CAIRNCTL_ADMIN_CLIENT_H_

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "participant/data_dir.h"
#include "model/metric_registry.h"
#include "model/query.h"
#include "model/series.h"
#include "protocol/admin.capnp.h"

namespace cairn {

struct DaemonStatusInfo {
  std::string name, version, data_dir;
  uint32_t pid = 0;
  uint64_t uptime_seconds = 0, records = 0, series = 0, disk_bytes = 0;
  std::string partner_queries_refused;  // why, or "" when partners are served
};

struct PartnerView {
  std::string name, fingerprint, display_name, endpoint, certificate_pem;
  std::vector<std::string> allowed_metrics;
  Timestamp added_at = 0, revoked_at = 0, not_after = 0;
  bool revoked = false;
  uint32_t connections = 0;
};

struct IdentityView {
  std::string name, fingerprint, certificate_pem, listen;
  Timestamp not_after = 0;
};

struct PeerAnswerView {
  std::string signed_result;  // canonical SignedResult bytes
  QueryResult result;
  std::string attester_name, attester_fingerprint, grant, noise;
  Timestamp answered_at = 0;
  uint64_t suppressed_groups = 0;
};

class AdminClient {
 public:
  static absl::StatusOr<std::unique_ptr<AdminClient>> Connect(const std::string& data_dir);
  ~AdminClient();

  absl::StatusOr<DaemonStatusInfo> Status();
  absl::StatusOr<MetricRegistry> Metrics();
  absl::Status RegisterMetric(const Metric& metric);
  absl::StatusOr<QueryResult> RunQuery(const Query& query);
  // OK when rollups match raw records; DataLoss with the daemon's findings otherwise.
  absl::Status CheckConsistency();

  absl::StatusOr<IdentityView> Identity();
  absl::StatusOr<PartnerView> AddPartner(const std::string& name, const std::string& cert_pem,
                                         const std::string& endpoint,
                                         const std::string& fingerprint,
                                         const std::vector<std::string>& allow_metrics);
  absl::StatusOr<std::vector<PartnerView>> ListPartners();
  absl::StatusOr<uint32_t> RevokePartner(const std::string& name);
  absl::Status AllowMetrics(const std::string& name, const std::vector<std::string>& metrics);
  absl::StatusOr<PeerAnswerView> AskPeer(const std::string& peer, const Query& query);

  // Sends one batch; the promise resolves when the daemon has made it durable, and rejects
  // with the daemon's error otherwise (use FromKj to read it).
  kj::Promise<ImportOutcome> SendBatch(const RecordBatch& batch);
  kj::WaitScope& wait_scope() { return io_.waitScope; }

  // Runs `fn` and converts a thrown kj::Exception into a Status.
  template <typename Fn>
  absl::Status Guard(Fn&& fn) {
    absl::Status status;
    KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] { status = fn(); })) {
      return FromKj(*e);
    }
    return status;
  }
  static absl::Status FromKj(const kj::Exception& e);

  proto::Admin::Client& admin() { return admin_; }

 private:
  AdminClient(kj::AsyncIoContext io) : io_(kj::mv(io)) {}

  kj::AsyncIoContext io_;
  std::unique_ptr<UnixSocketAddress> address_;
  kj::Own<kj::AsyncIoStream> stream_;
  kj::Own<capnp::TwoPartyClient> rpc_;
  proto::Admin::Client admin_ = nullptr;
};

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_ADMIN_CLIENT_H_
