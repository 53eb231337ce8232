#include "daemon/admin_service.h"

#include <unistd.h>

#include "base/logging.h"
#include "protocol/convert.h"
#include "protocol/rpc_status.h"
#include "query/engine.h"

namespace cairn {

kj::Promise<void> AdminService::status(StatusContext call) {
  RecordStore* store = context_.store;
  return context_.readers->Run([store] { return store->Stats(); })
      .then([this, call](StoreStats stats) mutable {
        auto out = call.getResults().initStatus();
        out.setName(context_.config->name);
        out.setVersion(kCairnVersion);
        out.setDataDir(context_.data_dir->root());
        out.setPid(static_cast<uint32_t>(getpid()));
        out.setUptimeSeconds(
            static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::steady_clock::now() - context_.started)
                                      .count()));
        out.setRecords(stats.records);
        out.setSeries(stats.series);
        out.setDiskBytes(stats.disk_bytes);
      });
}

kj::Promise<void> AdminService::metrics(MetricsContext call) {
  std::vector<Metric> metrics = context_.store->Metrics().List();
  auto out = call.getResults().initMetrics(metrics.size());
  for (size_t i = 0; i < metrics.size(); ++i) ToProto(metrics[i], out[i]);
  return kj::READY_NOW;
}

kj::Promise<void> AdminService::registerMetric(RegisterMetricContext call) {
  Metric metric = FromProto(call.getParams().getMetric());
  RecordStore* store = context_.store;
  return context_.writer->Run([store, metric] { return store->RegisterMetric(metric); })
      .then([metric](absl::Status status) {
        ThrowIfError(status);
        CAIRN_LOG_INFO("registered metric ", metric.name, " [", metric.unit, "]");
      });
}

kj::Promise<void> AdminService::importBatch(ImportBatchContext call) {
  absl::StatusOr<RecordBatch> batch = FromProto(call.getParams().getBatch());
  ThrowIfError(batch.status());
  call.releaseParams();
  RecordStore* store = context_.store;
  return context_.writer->Run([store, batch = std::move(*batch)] { return store->Apply(batch); })
      .then([call](absl::StatusOr<ImportOutcome> outcome) mutable {
        ThrowIfError(outcome.status());
        auto out = call.getResults().initOutcome();
        out.setInserted(outcome->inserted);
        out.setReplaced(outcome->replaced);
        out.setUnchanged(outcome->unchanged);
        out.setNewSeries(outcome->new_series);
      });
}

kj::Promise<void> AdminService::query(QueryContext call) {
  absl::StatusOr<Query> query = FromProto(call.getParams().getQuery());
  ThrowIfError(query.status());
  ThrowIfError(ValidateQuery(*query, context_.store->Metrics()));
  RecordStore* store = context_.store;
  return context_.readers
      ->Run([store, query = std::move(*query)] { return ExecuteQuery(*store, query); })
      .then([call](absl::StatusOr<QueryResult> result) mutable {
        ThrowIfError(result.status());
        ToProto(*result, call.getResults().initResult());
      });
}

kj::Promise<void> AdminService::checkConsistency(CheckConsistencyContext call) {
  RecordStore* store = context_.store;
  return context_.readers->Run([store] { return store->CheckConsistency(); })
      .then([call](absl::Status status) mutable {
        call.getResults().setOk(status.ok());
        std::string message = status.ok() ? "rollups match raw records" : status.ToString();
        call.getResults().setMessage(message);
      });
}

}  // namespace cairn
