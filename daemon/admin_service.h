// AdminService: the capability cairnctl gets on the daemon's Unix socket.
//
// Every method converts its arguments to model types on the event loop thread, runs the work
// on the writer thread (imports, metric registration) or the reader pool (queries, status,
// consistency check), and converts the result back. Failures reach the client as
// "CODE: message" (protocol/rpc_status.h). Runs on the daemon's event loop thread only.
#ifndef CAIRN_DAEMON_ADMIN_SERVICE_H_
#define CAIRN_DAEMON_ADMIN_SERVICE_H_

#include "daemon/service_context.h"
#include "protocol/admin.capnp.h"

namespace cairn {

class AdminService final : public proto::Admin::Server {
 public:
  explicit AdminService(const ServiceContext& context) : context_(context) {}

  kj::Promise<void> status(StatusContext call) override;
  kj::Promise<void> metrics(MetricsContext call) override;
  kj::Promise<void> registerMetric(RegisterMetricContext call) override;
  kj::Promise<void> importBatch(ImportBatchContext call) override;
  kj::Promise<void> query(QueryContext call) override;
  kj::Promise<void> checkConsistency(CheckConsistencyContext call) override;

 private:
  const ServiceContext& context_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_ADMIN_SERVICE_H_
