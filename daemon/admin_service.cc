#include "daemon/admin_service.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
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

namespace cairn {
namespace {

std::string Text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

}  // namespace

void AdminService::FillPartner(const Partner& p, proto::PartnerInfo::Builder out) {
  out.setName(p.name);
  out.setFingerprint(p.fingerprint);
  out.setDisplayName(p.display_name);
  out.setEndpoint(p.endpoint);
  auto metrics = out.initAllowedMetrics(p.allowed_metrics.size());
  for (size_t i = 0; i < p.allowed_metrics.size(); ++i) metrics.set(i, p.allowed_metrics[i]);
  out.setAddedAt(p.added_at);
  out.setRevoked(!p.active());
  out.setRevokedAt(p.revoked_at.value_or(0));
  out.setCertificatePem(p.certificate_pem);
  absl::StatusOr<CertificateInfo> cert = ParseCertificate(p.certificate_pem);
  out.setNotAfter(cert.ok() ? cert->not_after : 0);
  out.setConnections(plane_.ConnectionsOf(p.fingerprint));
}

kj::Promise<void> AdminService::identity(IdentityContext call) {
  auto out = call.getResults().initIdentity();
  out.setName(context_.config->name);
  out.setFingerprint(me_.certificate.fingerprint.ToString());
  out.setCertificatePem(me_.certificate_pem);
  out.setNotAfter(me_.certificate.not_after);
  out.setListen(plane_.bound_address());
  return kj::READY_NOW;
}

kj::Promise<void> AdminService::addPartner(AddPartnerContext call) {
  auto params = call.getParams();
  absl::StatusOr<CertificateInfo> cert = ParseCertificate(Text(params.getCertificatePem()));
  if (!cert.ok()) {
    ThrowIfError(absl::InvalidArgumentError(
        absl::StrCat("the certificate is not a Cairn certificate: ", cert.status().message())));
  }
  if (params.getFingerprint().size() > 0) {
    absl::StatusOr<Fingerprint> expected = Fingerprint::Parse(Text(params.getFingerprint()));
    ThrowIfError(expected.status());
    if (*expected != cert->fingerprint) {
      ThrowIfError(absl::InvalidArgumentError(
          absl::StrCat("fingerprint mismatch: the certificate carries ",
                       cert->fingerprint.ToString(), " but you pinned ", expected->ToString(),
                       "; check with your partner out of band before registering it")));
    }
  }
  Timestamp now = NowMicros();
  if (now >= cert->not_after) {
    ThrowIfError(absl::InvalidArgumentError(
        absl::StrCat("the certificate expired on ", FormatTimestamp(cert->not_after),
                     "; ask the partner for a current one (cairnctl identity)")));
  }
  if (now < cert->not_before) {
    ThrowIfError(absl::InvalidArgumentError(absl::StrCat("the certificate is not valid before ",
                                                         FormatTimestamp(cert->not_before),
                                                         "; check both clocks")));
  }
  if (cert->public_key == me_.identity.public_key()) {
    ThrowIfError(absl::InvalidArgumentError("that is this daemon's own certificate"));
  }
  Partner partner;
  partner.name = Text(params.getName());
  partner.fingerprint = cert->fingerprint.ToString();
  partner.display_name = cert->organization;
  partner.certificate_pem = cert->pem;
  partner.endpoint = Text(params.getEndpoint());
  for (auto m : params.getAllowMetrics()) partner.allowed_metrics.push_back(Text(m));
  for (const std::string& m : partner.allowed_metrics) {
    if (context_.store->Metrics().Find(m) == nullptr) {
      ThrowIfError(absl::NotFoundError(absl::StrCat("unknown metric '", m, "'")));
    }
  }
  partner.added_at = NowMicros();
  PartnerStore* partners = &partners_;
  return context_.writer->Run([partners, partner] { return partners->Add(partner); })
      .then([this, call, name = partner.name](absl::Status s) mutable {
        ThrowIfError(s);
        ThrowIfError(plane_.ReloadTrust());
        std::optional<Partner> added = partners_.Find(name);
        FillPartner(*added, call.getResults().initPartner());
        CAIRN_LOG_INFO("registered partner '", name, "' (", added->fingerprint, ")");
      });
}

kj::Promise<void> AdminService::listPartners(ListPartnersContext call) {
  std::vector<Partner> all = partners_.List();
  auto out = call.getResults().initPartners(all.size());
  for (size_t i = 0; i < all.size(); ++i) FillPartner(all[i], out[i]);
  return kj::READY_NOW;
}

kj::Promise<void> AdminService::revokePartner(RevokePartnerContext call) {
  std::string name = Text(call.getParams().getName());
  PartnerStore* partners = &partners_;
  Timestamp now = NowMicros();
  return context_.writer->Run([partners, name, now] { return partners->Revoke(name, now); })
      .then([this, call, name](absl::Status s) mutable {
        ThrowIfError(s);
        ThrowIfError(plane_.ReloadTrust());
        std::optional<Partner> p = partners_.Find(name);
        uint32_t closed = plane_.Disconnect(p->fingerprint);
        call.getResults().setClosedConnections(closed);
        CAIRN_LOG_INFO("revoked partner '", name, "'; closed ", closed, " live connections");
      });
}

kj::Promise<void> AdminService::allowMetrics(AllowMetricsContext call) {
  std::string name = Text(call.getParams().getName());
  std::vector<std::string> metrics;
  for (auto m : call.getParams().getMetrics()) {
    metrics.push_back(Text(m));
    if (context_.store->Metrics().Find(metrics.back()) == nullptr) {
      ThrowIfError(absl::NotFoundError(absl::StrCat("unknown metric '", metrics.back(), "'")));
    }
  }
  PartnerStore* partners = &partners_;
  return context_.writer
      ->Run([partners, name, metrics] { return partners->SetAllowedMetrics(name, metrics); })
      .then([](absl::Status s) { ThrowIfError(s); });
}

kj::Promise<void> AdminService::askPeer(AskPeerContext call) {
  std::string name = Text(call.getParams().getPeer());
  std::optional<Partner> partner = partners_.Find(name);
  if (!partner || !partner->active()) {
    ThrowIfError(absl::NotFoundError(absl::StrCat("no active partner named '", name, "'")));
  }
  absl::StatusOr<Query> query = FromProto(call.getParams().getQuery());
  ThrowIfError(query.status());
  return plane_.Ask(*partner, *std::move(query)).then([call](VerifiedAnswer answer) mutable {
    auto out = call.getResults().initAnswer();
    std::string bytes = EncodeSignedResult(answer.signed_result);
    out.setSignedResult(
        capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()));
    ToProto(answer.attestation.result, out.initResult());
    out.setAttesterName(answer.attestation.attester_name);
    out.setAttesterFingerprint(answer.attestation.attester.fingerprint().ToString());
    out.setAnsweredAt(answer.attestation.answered_at);
    out.setGrant(answer.attestation.protection.grant);
    out.setNoise(answer.attestation.protection.noise);
    out.setSuppressedGroups(answer.attestation.protection.suppressed_groups);
  });
}

}  // namespace cairn
