#include "daemon/admin_service.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "crypto/hash.h"
#include "daemon/admin_convert.h"
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
        out.setPartnerQueriesRefused(std::string(audit_.health().message()));
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
  out.setConnections(listener_.ConnectionsOf(p.fingerprint));
}

kj::Promise<void> AdminService::identity(IdentityContext call) {
  auto out = call.getResults().initIdentity();
  out.setName(context_.config->name);
  out.setFingerprint(me_.certificate.fingerprint.ToString());
  out.setCertificatePem(me_.certificate_pem);
  out.setNotAfter(me_.certificate.not_after);
  out.setListen(listener_.bound_address());
  return kj::READY_NOW;
}

kj::Promise<void> AdminService::addPartner(AddPartnerContext call) {
  auto params = call.getParams();
  PartnerCandidate candidate;
  candidate.name = Text(params.getName());
  candidate.certificate_pem = Text(params.getCertificatePem());
  candidate.endpoint = Text(params.getEndpoint());
  candidate.fingerprint = Text(params.getFingerprint());
  for (auto m : params.getAllowMetrics()) candidate.allow_metrics.push_back(Text(m));
  absl::StatusOr<Partner> partner = CheckRegistration(
      candidate, RegistrationOrigin::kSteward, partners_, me_.identity.public_key(),
      context_.store->Metrics(), context_.clock->Now());
  ThrowIfError(partner.status());
  Stewardship* stewardship = &stewardship_;
  return context_.writer
      ->Run([stewardship, partner = *std::move(partner)] {
        return stewardship->RegisterPartners({partner}, "");
      })
      .then([this, call](absl::StatusOr<std::vector<Partner>> added) mutable {
        ThrowIfError(added.status());
        ThrowIfError(trust_.Reload());
        FillPartner(added->front(), call.getResults().initPartner());
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
  Stewardship* stewardship = &stewardship_;
  return context_.writer->Run([stewardship, name] { return stewardship->RevokePartner(name); })
      .then([this, call, name](absl::StatusOr<Partner> revoked) mutable {
        ThrowIfError(revoked.status());
        // Its live connections close first: whatever happens to the trust store next, the
        // revoked partner is heard no more.
        uint32_t closed = listener_.Disconnect(revoked->fingerprint);
        dialer_.Forget(revoked->fingerprint);
        call.getResults().setClosedConnections(closed);
        CAIRN_LOG_INFO("revoked partner '", name, "'; closed ", closed, " live connections");
        ThrowIfError(trust_.Reload());
      });
}

kj::Promise<void> AdminService::allowMetrics(AllowMetricsContext call) {
  std::string name = Text(call.getParams().getName());
  std::vector<std::string> metrics;
  for (auto m : call.getParams().getMetrics()) metrics.push_back(Text(m));
  Stewardship* stewardship = &stewardship_;
  return context_.writer
      ->Run([stewardship, name, metrics] { return stewardship->AllowMetrics(name, metrics); })
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
  return dialer_.Ask(*partner, *std::move(query)).then([call](VerifiedAnswer answer) mutable {
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

namespace {

template <typename List>
void SetTexts(List list, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) list.set(i, values[i]);
}

}  // namespace

kj::Promise<void> AdminService::applyPolicy(ApplyPolicyContext call) {
  std::string text = Text(call.getParams().getText());
  std::string file = Text(call.getParams().getFileName());
  std::string by = Text(call.getParams().getAppliedBy());
  Stewardship* stewardship = &stewardship_;
  return context_.writer
      ->Run([stewardship, text, file, by] { return stewardship->ApplyPolicy(text, file, by); })
      .then([call](absl::StatusOr<PolicyApplied> applied) mutable {
        ThrowIfError(applied.status());
        auto out = call.getResults();
        out.setVersion(applied->version);
        FillPolicyChanges(applied->change, out.initChanges());
        SetTexts(out.initWarnings(applied->warnings.size()), applied->warnings);
      });
}

kj::Promise<void> AdminService::policy(PolicyContext call) {
  Stewardship* stewardship = &stewardship_;
  return context_.writer
      ->Run([stewardship] {
        return std::make_pair(stewardship->policy().version(), stewardship->policy().policy());
      })
      .then([call](std::pair<PolicyVersion, Policy> current) mutable {
        auto out = call.getResults();
        FillPolicyVersion(current.first, out.initVersion());
        out.setText(current.first.text);
        const std::vector<Grant>& grants = current.second.grants();
        auto list = out.initGrants(grants.size());
        for (size_t i = 0; i < grants.size(); ++i) FillGrant(grants[i], list[i]);
      });
}

kj::Promise<void> AdminService::policyHistory(PolicyHistoryContext call) {
  absl::StatusOr<std::vector<PolicyChange>> history = stewardship_.History();
  ThrowIfError(history.status());
  auto out = call.getResults().initVersions(history->size());
  for (size_t i = 0; i < history->size(); ++i) {
    const PolicyChange& c = (*history)[i];
    out[i].setVersion(c.version);
    out[i].setAppliedAt(c.applied_at);
    out[i].setFileName(c.file_name);
    out[i].setAppliedBy(c.applied_by);
    out[i].setSha256(DataOf(c.sha256));
    FillPolicyChanges(c, out[i].initChanges());
  }
  return kj::READY_NOW;
}

kj::Promise<void> AdminService::removeGrant(RemoveGrantContext call) {
  std::string name = Text(call.getParams().getName());
  std::string by = Text(call.getParams().getAppliedBy());
  Stewardship* stewardship = &stewardship_;
  return context_.writer
      ->Run([stewardship, name, by] { return stewardship->RemoveGrant(name, by); })
      .then([call](absl::StatusOr<PolicyApplied> applied) mutable {
        ThrowIfError(applied.status());
        call.getResults().setVersion(applied->version);
        FillPolicyChanges(applied->change, call.getResults().initChanges());
      });
}

kj::Promise<void> AdminService::checkPolicy(CheckPolicyContext call) {
  std::string name = Text(call.getParams().getPartner());
  absl::StatusOr<Query> query = FromProto(call.getParams().getQuery());
  ThrowIfError(query.status());
  ThrowIfError(ValidateQuery(*query, context_.store->Metrics()));
  Stewardship* stewardship = &stewardship_;
  return context_.writer
      ->Run([stewardship, name, query = *std::move(query)] {
        return stewardship->Explain(name, query);
      })
      .then([call](PolicyExplanation explanation) mutable {
        FillPolicyCheck(explanation, call.getResults().initCheck());
      });
}

kj::Promise<void> AdminService::auditTail(AuditTailContext call) {
  absl::StatusOr<std::vector<AuditEntry>> entries =
      audit_.log().Tail(std::max<uint32_t>(1, call.getParams().getCount()));
  ThrowIfError(entries.status());
  auto out = call.getResults().initEntries(entries->size());
  for (size_t i = 0; i < entries->size(); ++i) FillAuditEntry((*entries)[i], out[i]);
  return kj::READY_NOW;
}

kj::Promise<void> AdminService::auditShow(AuditShowContext call) {
  auto params = call.getParams();
  absl::StatusOr<AuditEntry> entry =
      params.hasHash() && params.getHash().size() > 0
          ? audit_.log().Find(
                std::string(params.getHash().asChars().begin(), params.getHash().size()))
          : audit_.log().Get(params.getSeq());
  ThrowIfError(entry.status());
  FillAuditEntry(*entry, call.getResults().initEntry());
  return kj::READY_NOW;
}

kj::Promise<void> AdminService::auditExport(AuditExportContext call) {
  uint64_t from = std::max<uint64_t>(1, call.getParams().getFromSeq());
  uint32_t max = std::clamp<uint32_t>(call.getParams().getMaxEntries(), 1, 10'000);
  std::vector<AuditEntry> entries;
  ThrowIfError(audit_.log().ForEach(from, [&](const AuditEntry& e) {
    entries.push_back(e);
    return entries.size() < max;
  }));
  auto out = call.getResults().initEntries(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) FillAuditEntry(entries[i], out[i]);
  call.getResults().setNextSeq(entries.size() < max ? 0 : entries.back().seq + 1);
  return kj::READY_NOW;
}

kj::Promise<void> AdminService::auditVerify(AuditVerifyContext call) {
  AuditWriter* audit = &audit_;
  return context_.readers
      ->Run([audit] {
        AuditVerifyReport report;
        absl::Status s = audit->Verify(&report);
        return std::make_pair(s, report);
      })
      .then([call](std::pair<absl::Status, AuditVerifyReport> result) mutable {
        FillAuditVerifyReport(result.first, result.second, call.getResults().initReport());
      });
}

kj::Promise<void> AdminService::budgets(BudgetsContext call) {
  std::string partner = Text(call.getParams().getPartner());
  Stewardship* stewardship = &stewardship_;
  return context_.writer->Run([stewardship, partner] { return stewardship->Budgets(partner); })
      .then([call](std::vector<BudgetView> budgets) mutable {
        auto out = call.getResults().initBudgets(budgets.size());
        for (size_t i = 0; i < budgets.size(); ++i) FillBudget(budgets[i], out[i]);
      });
}

}  // namespace cairn
