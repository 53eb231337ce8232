#include "tools/cairnctl/admin_client.h"

#include <capnp/message.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "participant/config.h"
#include "protocol/audit_kind.h"
#include "protocol/convert.h"
#include "protocol/rpc_status.h"

namespace cairn {
namespace {

// Runs `fill` on a fresh T inside the client's Guard: the T, or the call's error.
template <typename T, typename Fill>
absl::StatusOr<T> Call(AdminClient& client, Fill fill) {
  T out;
  absl::Status s = client.Guard([&]() -> absl::Status { return fill(out); });
  if (!s.ok()) return s;
  return out;
}

std::string Bytes(capnp::Data::Reader d) { return std::string(d.asChars().begin(), d.size()); }

std::vector<std::string> Texts(capnp::List<capnp::Text>::Reader list) {
  std::vector<std::string> out;
  for (auto t : list) out.emplace_back(t);
  return out;
}

capnp::Data::Reader DataOf(const std::string& bytes) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size());
}

template <typename List>
void SetTexts(List list, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) list.set(i, values[i]);
}

Granularity GranularityOr(proto::Granularity g, Granularity fallback) {
  absl::StatusOr<std::optional<Granularity>> parsed = FromProto(g);
  return parsed.ok() && *parsed ? **parsed : fallback;
}

PolicyChangesView ChangesOf(proto::PolicyChanges::Reader c) {
  PolicyChangesView v;
  v.grants_added = Texts(c.getGrantsAdded());
  v.grants_changed = Texts(c.getGrantsChanged());
  v.grants_removed = Texts(c.getGrantsRemoved());
  v.deny_rules_added = Texts(c.getDenyRulesAdded());
  v.deny_rules_changed = Texts(c.getDenyRulesChanged());
  v.deny_rules_removed = Texts(c.getDenyRulesRemoved());
  v.groups_changed = c.getGroupsChanged();
  return v;
}

PolicyVersionView VersionOf(proto::PolicyVersionInfo::Reader p) {
  PolicyVersionView v;
  v.version = p.getVersion();
  v.applied_at = p.getAppliedAt();
  v.file_name = p.getFileName();
  v.applied_by = p.getAppliedBy();
  v.sha256 = Bytes(p.getSha256());
  v.changes = ChangesOf(p.getChanges());
  return v;
}

Grant GrantOf(proto::Grant::Reader g) {
  Grant out;
  out.name = g.getName();
  if (g.isPartner()) out.partner = g.getPartner();
  if (g.isGroup()) out.group = g.getGroup();
  out.purpose = g.getPurpose();
  out.release =
      g.getRelease() == proto::Grant::Release::PROTECTED ? Release::kProtected : Release::kExact;
  out.metrics = Texts(g.getMetrics());
  for (proto::Aggregate a : g.getAggregates()) {
    out.aggregates.push_back(static_cast<Aggregate>(static_cast<int>(a)));
  }
  for (auto r : g.getRatios()) out.ratios.push_back({r.getNumerator(), r.getDenominator()});
  out.filter_tags = Texts(g.getFilterTags());
  out.group_tags = Texts(g.getGroupTags());
  for (auto tv : g.getScope()) out.scope[tv.getTag()] = Texts(tv.getValues());
  out.finest = GranularityOr(g.getFinest(), Granularity::kYear);
  out.min_records = g.getMinRecords();
  out.min_series = g.getMinSeries();
  if (g.hasPrivacy()) {
    auto p = g.getPrivacy();
    PrivacySpec spec;
    spec.epsilon = p.getEpsilon();
    spec.budget = p.getBudget();
    spec.epsilon_micros = p.getEpsilonMicros();
    spec.budget_micros = p.getBudgetMicros();
    spec.period = GranularityOr(p.getPeriod(), Granularity::kMonth);
    for (auto c : p.getClamps()) {
      spec.clamps[c.getMetric()] = Clamp{c.getLo(), c.getHi(), c.getResolution()};
    }
    out.privacy = std::move(spec);
  }
  if (g.hasRateLimit()) {
    auto r = g.getRateLimit();
    out.rate_limit = RateLimit{r.getQueries(), r.getWindowMicros(), r.getWindowName()};
  }
  if (g.getHasValidFrom()) out.valid_from = g.getValidFrom();
  if (g.getHasValidUntil()) out.valid_until = g.getValidUntil();
  if (g.hasFederation()) {
    out.federation =
        FederationSpec{g.getFederation().getConsortium(), g.getFederation().getMinCohort()};
  }
  return out;
}

AuditEntryView EntryOf(proto::AuditEntry::Reader e) {
  AuditEntryView v;
  v.seq = e.getSeq();
  v.time = e.getTime();
  v.partner = e.getPartner();
  v.partner_fingerprint = e.getPartnerFingerprint();
  v.request_hash = Bytes(e.getRequestHash());
  v.request_signature = Bytes(e.getRequestSignature());
  v.decision = e.getDecision();
  v.reason = e.getReason();
  v.grant = e.getGrant();
  v.policy_version = e.getPolicyVersion();
  v.epsilon_micros = e.getEpsilonMicros();
  v.result_hash = Bytes(e.getResultHash());
  v.kind = e.getKind();
  v.kind_text = v.kind == AuditEntryKind::OTHER ? std::string(e.getOtherKind())
                                           : std::string(AuditKindText(v.kind));
  v.prev_hash = Bytes(e.getPrevHash());
  v.hash = Bytes(e.getHash());
  return v;
}

ConsortiumInfoView ConsortiumOf(proto::ConsortiumInfo::Reader c) {
  ConsortiumInfoView v;
  v.name = c.getName();
  v.file_name = c.getFileName();
  v.added_at = c.getAddedAt();
  v.added_by = c.getAddedBy();
  v.cohort_memory_entries = c.getCohortMemoryEntries();
  for (auto m : c.getMembers()) {
    v.members.push_back({m.getName(), m.getFingerprint(), m.getEndpoint(), m.getStanding()});
  }
  return v;
}

}  // namespace

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

absl::StatusOr<PolicyAppliedView> AdminClient::ApplyPolicy(const std::string& text,
                                                           const std::string& file_name,
                                                           const std::string& applied_by) {
  return Call<PolicyAppliedView>(*this, [&](PolicyAppliedView& v) {
    auto request = admin_.applyPolicyRequest();
    request.setText(text);
    request.setFileName(file_name);
    request.setAppliedBy(applied_by);
    auto r = request.send().wait(io_.waitScope);
    v.version = r.getVersion();
    v.changes = ChangesOf(r.getChanges());
    v.warnings = Texts(r.getWarnings());
    return absl::OkStatus();
  });
}

absl::StatusOr<PolicyView> AdminClient::Policy() {
  return Call<PolicyView>(*this, [&](PolicyView& v) {
    auto r = admin_.policyRequest().send().wait(io_.waitScope);
    v.version = VersionOf(r.getVersion());
    v.text = r.getText();
    for (auto g : r.getGrants()) v.grants.push_back(GrantOf(g));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<PolicyVersionView>> AdminClient::PolicyHistory() {
  return Call<std::vector<PolicyVersionView>>(*this, [&](std::vector<PolicyVersionView>& out) {
    auto r = admin_.policyHistoryRequest().send().wait(io_.waitScope);
    for (auto v : r.getVersions()) out.push_back(VersionOf(v));
    return absl::OkStatus();
  });
}

absl::StatusOr<PolicyAppliedView> AdminClient::RemoveGrant(const std::string& name,
                                                           const std::string& applied_by) {
  return Call<PolicyAppliedView>(*this, [&](PolicyAppliedView& v) {
    auto request = admin_.removeGrantRequest();
    request.setName(name);
    request.setAppliedBy(applied_by);
    auto r = request.send().wait(io_.waitScope);
    v.version = r.getVersion();
    v.changes = ChangesOf(r.getChanges());
    return absl::OkStatus();
  });
}

absl::StatusOr<PolicyCheckView> AdminClient::CheckPolicy(const std::string& partner,
                                                         const Query& query) {
  return Call<PolicyCheckView>(*this, [&](PolicyCheckView& v) {
    auto request = admin_.checkPolicyRequest();
    request.setPartner(partner);
    ToProto(query, request.initQuery());
    auto r = request.send().wait(io_.waitScope);
    auto check = r.getCheck();
    v.allowed = check.getAllowed();
    v.reason = check.getReason();
    v.release = check.getRelease();
    v.lines = Texts(check.getLines());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<AuditEntryView>> AdminClient::AuditTail(uint32_t count) {
  return Call<std::vector<AuditEntryView>>(*this, [&](std::vector<AuditEntryView>& out) {
    auto request = admin_.auditTailRequest();
    request.setCount(count);
    auto r = request.send().wait(io_.waitScope);
    for (auto e : r.getEntries()) out.push_back(EntryOf(e));
    return absl::OkStatus();
  });
}

absl::StatusOr<AuditEntryView> AdminClient::AuditEntryAt(uint64_t seq) {
  return Call<AuditEntryView>(*this, [&](AuditEntryView& v) {
    auto request = admin_.auditShowRequest();
    request.setSeq(seq);
    v = EntryOf(request.send().wait(io_.waitScope).getEntry());
    return absl::OkStatus();
  });
}

absl::StatusOr<AuditEntryView> AdminClient::AuditEntryWithHash(const std::string& hash) {
  return Call<AuditEntryView>(*this, [&](AuditEntryView& v) {
    auto request = admin_.auditShowRequest();
    request.setHash(DataOf(hash));
    v = EntryOf(request.send().wait(io_.waitScope).getEntry());
    return absl::OkStatus();
  });
}

absl::StatusOr<AuditPageView> AdminClient::AuditExport(uint64_t from_seq, uint32_t max_entries) {
  return Call<AuditPageView>(*this, [&](AuditPageView& v) {
    auto request = admin_.auditExportRequest();
    request.setFromSeq(from_seq);
    request.setMaxEntries(max_entries);
    auto r = request.send().wait(io_.waitScope);
    for (auto e : r.getEntries()) v.entries.push_back(EntryOf(e));
    v.next_seq = r.getNextSeq();
    return absl::OkStatus();
  });
}

absl::StatusOr<AuditVerifyView> AdminClient::AuditVerify() {
  return Call<AuditVerifyView>(*this, [&](AuditVerifyView& v) {
    auto r = admin_.auditVerifyRequest().send().wait(io_.waitScope).getReport();
    v.ok = r.getOk();
    v.entries = r.getEntries();
    v.checkpoints = r.getCheckpoints();
    v.last_seq = r.getLastSeq();
    v.head_hash = Bytes(r.getHeadHash());
    v.last_checkpoint_seq = r.getLastCheckpointSeq();
    v.first_bad_seq = r.getFirstBadSeq();
    v.problem = r.getProblem();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<BudgetInfoView>> AdminClient::Budgets(const std::string& partner) {
  return Call<std::vector<BudgetInfoView>>(*this, [&](std::vector<BudgetInfoView>& out) {
    auto request = admin_.budgetsRequest();
    request.setPartner(partner);
    for (auto b : request.send().wait(io_.waitScope).getBudgets()) {
      out.push_back({b.getPartner(), b.getGrant(), b.getBudgetMicros(), b.getSpentMicros(),
                     b.getPeriodStart(), b.getRenewsAt()});
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<ConsortiumAddedView> AdminClient::ConsortiumAdd(const std::string& text,
                                                               const std::string& file_name,
                                                               const std::string& added_by) {
  return Call<ConsortiumAddedView>(*this, [&](ConsortiumAddedView& v) {
    auto request = admin_.consortiumAddRequest();
    request.setText(text);
    request.setFileName(file_name);
    request.setAddedBy(added_by);
    auto r = request.send().wait(io_.waitScope);
    v.consortium = ConsortiumOf(r.getConsortium());
    v.registered = Texts(r.getRegistered());
    v.warnings = Texts(r.getWarnings());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ConsortiumInfoView>> AdminClient::ConsortiumList() {
  return Call<std::vector<ConsortiumInfoView>>(*this, [&](std::vector<ConsortiumInfoView>& out) {
    auto r = admin_.consortiumListRequest().send().wait(io_.waitScope);
    for (auto c : r.getConsortia()) out.push_back(ConsortiumOf(c));
    return absl::OkStatus();
  });
}

absl::StatusOr<FederatedAnswerView> AdminClient::Federate(const FederateArgs& args) {
  return Call<FederatedAnswerView>(*this, [&](FederatedAnswerView& v) {
    auto request = admin_.federateRequest();
    request.setConsortium(args.consortium);
    ToProto(args.query, request.initQuery());
    auto values = request.initGroupValues(args.group_values.size());
    for (size_t i = 0; i < args.group_values.size(); ++i) {
      values[i].setTag(args.group_values[i].first);
      SetTexts(values[i].initValues(args.group_values[i].second.size()),
               args.group_values[i].second);
    }
    SetTexts(request.initMembers(args.members.size()), args.members);
    request.setMinContributors(args.min_contributors);
    auto r = request.send().wait(io_.waitScope);
    v.result = Bytes(r.getResult());
    v.roster_text = r.getRosterText();
    auto report = r.getReport();
    v.attempts = report.getAttempts();
    v.final_cohort = Texts(report.getFinalCohort());
    v.round_digest = Bytes(report.getRoundDigest());
    v.audit_receipt = Bytes(report.getAuditReceipt());
    for (auto i : report.getIssues()) {
      v.issues.push_back({i.getMember(), i.getCall(), i.getDropped(), i.getReason()});
    }
    return absl::OkStatus();
  });
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
