#include "daemon/disclosure.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "crypto/hash.h"
#include "crypto/signing.h"
#include "daemon/failpoint.h"
#include "policy/private_release.h"
#include "policy/release.h"
#include "protocol/convert.h"
#include "query/engine.h"
#include "query/footprint.h"

namespace cairn {
namespace {

// Checkpoint the audit chain after this many entries (and at shutdown, and every few minutes).
constexpr uint64_t kCheckpointEvery = 100;

std::optional<BudgetLedger::Account> AccountOf(const BudgetLedger& ledger,
                                               absl::string_view partner, absl::string_view grant) {
  for (const BudgetLedger::Account& a : ledger.Accounts()) {
    if (a.partner == partner && a.grant == grant) return a;
  }
  return std::nullopt;
}

std::vector<std::string> PartnersBoundBy(const Policy& policy, const Grant& grant) {
  if (!grant.partner.empty()) return {grant.partner};
  auto it = policy.groups().find(grant.group);
  return it == policy.groups().end() ? std::vector<std::string>{} : it->second;
}

}  // namespace

absl::Status AuthorizeByAllowList(const Partner& partner, const Query& query) {
  auto allowed = [&](const std::string& metric) {
    for (const std::string& m : partner.allowed_metrics) {
      if (m == metric) return true;
    }
    return false;
  };
  for (const std::string& metric : {query.metric, query.ratio_denominator}) {
    if (metric.empty() || allowed(metric)) continue;
    return absl::PermissionDeniedError(
        absl::StrCat("partner '", partner.name, "' may not ask about metric ", metric,
                     partner.allowed_metrics.empty() ? " (no metric is allowed for it yet)" : ""));
  }
  return absl::OkStatus();
}

ReleasedKey ReleasedKeyFor(absl::string_view partner, const Verdict& verdict, const Query& query) {
  return ReleasedKey{std::string(partner), verdict.grant ? verdict.grant->name : "",
                     verdict.grant_digest, CanonicalBytes(query)};
}

std::string DescribeNoise(const Grant& grant, const Query& query) {
  if (!grant.privacy) return "";
  absl::StatusOr<PrivatePlan> plan = PlanPrivateRelease(grant, query);
  std::string out = absl::StrCat("discrete Laplace noise, epsilon ",
                                 FormatEpsilon(grant.privacy->epsilon_micros));
  if (plan.ok() && plan->parts.size() > 1) {
    absl::StrAppend(&out, " split over ", plan->parts.size(), " parts");
  }
  std::vector<std::string> clamps;
  for (const auto& [metric, clamp] : grant.privacy->clamps) {
    if (metric == query.metric || metric == query.ratio_denominator) {
      clamps.push_back(absl::StrFormat("%s clamped to [%g, %g] in steps of %g", metric, clamp.lo,
                                       clamp.hi, clamp.resolution));
    }
  }
  if (!clamps.empty()) absl::StrAppend(&out, "; ", absl::StrJoin(clamps, ", "));
  return out;
}

Timestamp NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<std::unique_ptr<Disclosure>> Disclosure::Open(Database* db, RecordStore* store,
                                                             NonceStore* nonces,
                                                             PartnerStore* partners,
                                                             const ParticipantIdentity* me,
                                                             std::vector<PublicKey> former_keys) {
  std::unique_ptr<Disclosure> d(new Disclosure());
  d->db_ = db;
  d->store_ = store;
  d->nonces_ = nonces;
  d->partners_ = partners;
  d->me_ = me;
  d->trusted_checkpoint_keys_ = std::move(former_keys);
  d->trusted_checkpoint_keys_.push_back(me->identity.public_key());
  CAIRN_ASSIGN_OR_RETURN(d->audit_, AuditLog::Open(db));
  CAIRN_ASSIGN_OR_RETURN(d->ledger_, LedgerStore::Open(db));
  CAIRN_ASSIGN_OR_RETURN(d->policy_store_, PolicyStore::Open(db));
  MetricRegistry registry = store->Metrics();
  CAIRN_ASSIGN_OR_RETURN(d->current_, d->policy_store_->LoadCurrent(&registry));
  CAIRN_ASSIGN_OR_RETURN(std::vector<BudgetLedger::Account> accounts, d->ledger_->LoadAccounts());
  for (const BudgetLedger::Account& a : accounts) d->gate_.budget().Restore(a);
  CAIRN_RETURN_IF_ERROR(d->ledger_->LoadFootprints(&d->guard_));

  AuditVerifyReport report;
  absl::Status verified = d->VerifyAudit(&report);
  if (!verified.ok()) {
    d->health_ = absl::FailedPreconditionError(absl::StrCat(
        "the audit log failed verification (", verified.message(),
        "); partner queries are refused until it is investigated: cairnctl audit verify"));
    CAIRN_LOG_ERROR(d->health_.message());
  } else {
    CAIRN_LOG_INFO("audit log verified: ", report.entries, " entries, ", report.checkpoints,
                   " signed checkpoints; policy version ", d->current_.version.version);
  }
  d->checkpointed_seq_ = report.last_checkpoint_seq;
  return d;
}

AuditVerifier Disclosure::Verifier() const {
  std::vector<PublicKey> keys = trusted_checkpoint_keys_;
  return [keys](absl::string_view public_key, absl::string_view message,
                absl::string_view signature) -> absl::Status {
    absl::StatusOr<PublicKey> key = PublicKey::FromBytes(public_key);
    if (!key.ok()) return key.status();
    if (std::find(keys.begin(), keys.end(), *key) == keys.end()) {
      return absl::UnauthenticatedError(absl::StrCat(
          "checkpoint signed by ", key->fingerprint().ToString(), ", not by this participant"));
    }
    absl::StatusOr<Signature> sig = Signature::FromBytes(signature);
    if (!sig.ok()) return sig.status();
    return Verify(*key, message, *sig);
  };
}

absl::Status Disclosure::VerifyAudit(AuditVerifyReport* report) const {
  return audit_->Verify(Verifier(), report);
}

AuditEntry Disclosure::EntryFor(const PartnerRequest& request, Timestamp now) const {
  AuditEntry e;
  e.time = now;
  e.partner = request.partner.name;
  e.partner_fingerprint = request.partner.fingerprint;
  e.request_hash = request.request.hash;
  e.request_signature = request.signature;
  e.policy_version = current_.version.version;
  e.kind = "query";
  return e;
}

absl::StatusOr<AuditLog::Receipt> Disclosure::WriteEntry(AuditEntry entry,
                                                         rocksdb::WriteBatch* batch,
                                                         const std::function<void()>& on_commit,
                                                         bool deferred) {
  absl::StatusOr<AuditLog::Receipt> receipt = audit_->Prepare(std::move(entry), batch);
  if (!receipt.ok()) {
    health_ = absl::UnavailableError(
        absl::StrCat("the audit log cannot be written (", receipt.status().message(),
                     "); partner queries are refused until cairnd is restarted"));
    CAIRN_LOG_ERROR(health_.message());
    return health_;
  }
  CrashAt("before-commit");
  absl::Status written = FailpointActive("audit-write-fails")
                             ? absl::InternalError("failpoint audit-write-fails")
                         : deferred ? db_->WriteDeferred(batch)
                                    : db_->Write(batch);
  if (!written.ok()) {
    audit_->Abandoned(*receipt);
    ledger_->Abandoned();
    health_ = absl::UnavailableError(
        absl::StrCat("the audit log cannot be written (", written.message(),
                     "); partner queries are refused until cairnd is restarted"));
    CAIRN_LOG_ERROR(health_.message());
    return health_;
  }
  absl::Status committed = audit_->Committed(*receipt);
  if (!committed.ok()) CAIRN_LOG_ERROR("audit head: ", committed.message());
  ledger_->Committed();
  if (on_commit) on_commit();
  CrashAt("after-commit");
  if (receipt->seq - checkpointed_seq_ >= kCheckpointEvery) {
    absl::Status s = Checkpoint(entry.time);
    if (!s.ok()) CAIRN_LOG_WARNING("audit checkpoint: ", s.message());
  }
  return receipt;
}

absl::Status Disclosure::Refuse(const PartnerRequest& request, const absl::Status& why,
                                absl::string_view grant, Timestamp now) {
  AuditEntry entry = EntryFor(request, now);
  entry.decision = AuditDecision::kDenied;
  entry.reason = std::string(why.message());
  entry.grant = std::string(grant);
  rocksdb::WriteBatch batch;
  nonces_->Remember(request.request.requester.fingerprint().ToString(), request.request.nonce,
                    request.request.issued_at, &batch);
  absl::StatusOr<AuditLog::Receipt> receipt = WriteEntry(std::move(entry), &batch, nullptr);
  if (!receipt.ok()) return receipt.status();
  CAIRN_LOG_INFO("refused a query from partner '", request.partner.name, "': ", why.message());
  return why;
}

void Disclosure::RecordFailure(const Partner& partner, absl::string_view request_hash,
                               absl::string_view signature, const absl::Status& why,
                               Timestamp now) {
  CAIRN_LOG_INFO("refused a request from partner '", partner.name, "': ", why.message());
  if (!health_.ok()) return;
  AuditEntry e;
  e.time = now;
  e.partner = partner.name;
  e.partner_fingerprint = partner.fingerprint;
  e.request_hash = std::string(request_hash.substr(0, kMaxAuditBinaryBytes));
  e.request_signature = std::string(signature.substr(0, kMaxAuditBinaryBytes));
  e.decision = AuditDecision::kFailed;
  e.reason = std::string(why.message());
  e.policy_version = current_.version.version;
  e.kind = "query";
  rocksdb::WriteBatch batch;
  (void)WriteEntry(std::move(e), &batch, nullptr);
}

absl::StatusOr<Verdict> Disclosure::Decide(const PartnerRequest& request, Timestamp now) {
  if (!health_.ok()) return health_;
  const QueryRequestInfo& r = request.request;
  CAIRN_ASSIGN_OR_RETURN(bool seen,
                         nonces_->Seen(r.requester.fingerprint().ToString(), r.nonce, r.issued_at));
  if (seen) {
    return Refuse(request,
                  absl::PermissionDeniedError("replayed request: this nonce was already used"), "",
                  now);
  }
  Verdict verdict;
  verdict.policy_version = current_.version.version;
  if (current_.version.version == 0) {
    absl::Status allowed = AuthorizeByAllowList(request.partner, r.query);
    if (!allowed.ok()) return Refuse(request, allowed, "", now);
    verdict.allow_list = true;
    return verdict;
  }
  Decision d = gate_.Check(current_.policy, request.partner.name, r.query, now);
  if (!d.allowed) {
    absl::Status why = d.denied_by == Check::kBudget || d.denied_by == Check::kRateLimit
                           ? absl::ResourceExhaustedError(d.reason)
                           : absl::PermissionDeniedError(d.reason);
    return Refuse(request, why, d.grant ? d.grant->name : "", now);
  }
  verdict.grant = *d.grant;
  auto digest = current_.version.grants.find(d.grant->name);
  if (digest != current_.version.grants.end()) verdict.grant_digest = digest->second;
  if (verdict.grant->privacy) {
    CAIRN_ASSIGN_OR_RETURN(
        std::optional<ReleasedAnswer> earlier,
        ledger_->FindReleased(ReleasedKeyFor(request.partner.name, verdict, r.query)));
    if (earlier) {
      CAIRN_ASSIGN_OR_RETURN(verdict.cached, QueryResultFromBytes(earlier->bytes));
    }
  }
  CrashAt("after-decision");
  return verdict;
}

absl::StatusOr<PreparedRelease> Disclosure::PrepareRelease(const RecordStore& store,
                                                           const Verdict& verdict,
                                                           const Query& query, RandomSource& rng) {
  PreparedRelease release;
  if (verdict.cached) {
    release.result = *verdict.cached;
    release.cached = true;
    release.noise = DescribeNoise(*verdict.grant, query);
    return release;
  }
  if (verdict.grant && verdict.grant->privacy) {
    CAIRN_ASSIGN_OR_RETURN(PrivatePlan plan, PlanPrivateRelease(*verdict.grant, query));
    std::vector<QueryResult> parts;
    for (const NoisyPart& part : plan.parts) {
      ExecuteOptions options;
      if (part.kind == NoisyPart::Kind::kSum) {
        options.clamp = ClampRange{part.clamp.lo, part.clamp.hi};
      }
      CAIRN_ASSIGN_OR_RETURN(QueryResult r, ExecuteQuery(store, part.query, options));
      parts.push_back(std::move(r));
    }
    CAIRN_ASSIGN_OR_RETURN(ReleasedResult released,
                           ReleasePrivate(*verdict.grant, plan, query, parts, rng));
    release.result = std::move(released.result);
    release.epsilon_micros = plan.epsilon_micros;
    release.noise = DescribeNoise(*verdict.grant, query);
    CrashAt("after-execute");
    return release;
  }
  CAIRN_ASSIGN_OR_RETURN(QueryResult exact, ExecuteQuery(store, query));
  if (verdict.grant) {
    ReleasedResult released = SuppressSmallGroups(std::move(exact), verdict.grant->min_records,
                                                  verdict.grant->min_series);
    release.result = std::move(released.result);
    release.suppressed_groups = released.suppressed_groups.value_or(0);
    if (verdict.grant->NeedsDifferencingGuard()) {
      CAIRN_ASSIGN_OR_RETURN(release.footprints, FootprintsOf(store, query, release.result));
    }
  } else {
    release.result = std::move(exact);
    release.result.stats = QueryStats();  // the owner's storage is none of the partner's business
  }
  CrashAt("after-execute");
  return release;
}

absl::StatusOr<AuditLog::Receipt> Disclosure::Commit(const PartnerRequest& request,
                                                     const Verdict& verdict,
                                                     const PreparedRelease& release,
                                                     Timestamp now) {
  if (!health_.ok()) return health_;
  const QueryRequestInfo& r = request.request;
  const std::string requester = r.requester.fingerprint().ToString();
  CAIRN_ASSIGN_OR_RETURN(bool seen, nonces_->Seen(requester, r.nonce, r.issued_at));
  if (seen) {
    return Refuse(request,
                  absl::PermissionDeniedError("replayed request: this nonce was already used"), "",
                  now);
  }
  std::string grant_name = verdict.grant ? verdict.grant->name : "";
  if (verdict.policy_version != current_.version.version) {
    return Refuse(request,
                  absl::UnavailableError("the policy changed while the query was answered; "
                                         "ask again"),
                  grant_name, now);
  }
  // Budget and rate limit are spent in memory here, before the write. If the write then
  // fails the daemon stops answering (health_) and a restart reloads the budgets from disk;
  // if staging fails, the spend stays counted without a release — conservative either way.
  if (verdict.grant && !release.cached) {
    Decision d = gate_.Admit(current_.policy, request.partner.name, r.query, now);
    if (!d.allowed) {
      absl::Status why = d.denied_by == Check::kBudget || d.denied_by == Check::kRateLimit
                             ? absl::ResourceExhaustedError(d.reason)
                             : absl::PermissionDeniedError(d.reason);
      return Refuse(request, why, grant_name, now);
    }
    if (!release.footprints.empty()) {
      const RecordStore* store = store_;
      absl::Status guarded =
          guard_.Check(request.partner.name, *verdict.grant, release.footprints,
                       [store](const Region& region) { return CountRegion(*store, region); });
      if (!guarded.ok()) return Refuse(request, guarded, grant_name, now);
    }
  }

  AuditEntry entry = EntryFor(request, now);
  entry.decision = AuditDecision::kAllowed;
  entry.grant = grant_name;
  entry.epsilon_micros = release.epsilon_micros;
  entry.result_hash = Sha256(CanonicalBytes(release.result));
  entry.reason = verdict.allow_list ? "allowed by the partner's metric allow-list (no policy)"
                 : release.cached   ? absl::StrCat("repeat of an answer released under grant '",
                                                   grant_name, "' (no new cost)")
                                    : absl::StrCat("allowed by grant '", grant_name, "'");
  rocksdb::WriteBatch batch;
  nonces_->Remember(requester, r.nonce, r.issued_at, &batch);
  absl::Status staged = absl::OkStatus();
  if (release.epsilon_micros > 0) {
    std::optional<BudgetLedger::Account> after =
        AccountOf(gate_.budget(), request.partner.name, grant_name);
    if (after) staged = ledger_->PutAccount(*after, &batch);
    if (staged.ok()) {
      staged = ledger_->PutReleased(ReleasedKeyFor(request.partner.name, verdict, r.query),
                                    CanonicalBytes(release.result), now, &batch);
    }
  }
  if (staged.ok() && !release.footprints.empty()) {
    staged = ledger_->PutFootprints(request.partner.name, grant_name, release.footprints, &batch);
  }
  if (!staged.ok()) {
    ledger_->Abandoned();
    return Refuse(request, staged, grant_name, now);
  }
  std::vector<Footprint> footprints = release.footprints;
  absl::StatusOr<AuditLog::Receipt> receipt = WriteEntry(
      std::move(entry), &batch,
      [&] {
        if (!footprints.empty()) {
          guard_.Record(request.partner.name, *verdict.grant, std::move(footprints));
        }
      },
      /*deferred=*/true);
  return receipt;
}

absl::Status Disclosure::SyncReleases() {
  if (!health_.ok()) return health_;
  absl::Status synced = db_->SyncDeferred();
  if (!synced.ok()) {
    health_ = absl::UnavailableError(
        absl::StrCat("the audit log cannot be made durable (", synced.message(),
                     "); partner queries are refused until cairnd is restarted"));
    CAIRN_LOG_ERROR(health_.message());
    return health_;
  }
  return absl::OkStatus();
}

absl::Status Disclosure::RecordAdminAction(absl::string_view kind, const Partner& partner,
                                           absl::string_view what, Timestamp now) {
  if (!health_.ok()) return health_;
  AuditEntry e;
  e.time = now;
  e.partner = partner.name;
  e.partner_fingerprint = partner.fingerprint;
  e.decision = AuditDecision::kAllowed;
  e.reason = std::string(what);
  e.policy_version = current_.version.version;
  e.kind = std::string(kind);
  rocksdb::WriteBatch batch;
  return WriteEntry(std::move(e), &batch, nullptr).status();
}

absl::StatusOr<PolicyApplied> Disclosure::ApplyPolicy(absl::string_view text,
                                                      absl::string_view file_name,
                                                      absl::string_view applied_by, Timestamp now) {
  if (!health_.ok()) return health_;
  MetricRegistry registry = store_->Metrics();
  rocksdb::WriteBatch batch;
  CAIRN_ASSIGN_OR_RETURN(AppliedPolicy applied,
                         policy_store_->Apply(text, file_name, applied_by, now, &registry, &batch));
  AuditEntry entry;
  entry.time = now;
  entry.decision = AuditDecision::kAllowed;
  entry.kind = "policy-apply";
  entry.policy_version = applied.version.version;
  entry.reason =
      absl::StrCat("policy version ", applied.version.version, " applied from ", file_name, " by ",
                   applied_by, " (sha256 ", HexEncode(applied.version.sha256), ")");
  entry.result_hash = applied.version.sha256;
  uint64_t version = applied.version.version;
  CAIRN_RETURN_IF_ERROR(
      WriteEntry(std::move(entry), &batch, [&] { current_ = std::move(applied); }).status());
  PolicyApplied out;
  out.version = version;
  absl::StatusOr<std::vector<PolicyChange>> history = policy_store_->History(1);
  if (history.ok() && !history->empty()) out.change = history->front();
  std::set<std::string> named;
  for (const Grant& g : current_.policy.grants()) {
    for (const std::string& p : PartnersBoundBy(current_.policy, g)) named.insert(p);
  }
  for (const std::string& p : named) {
    std::optional<Partner> partner = partners_->Find(p);
    if (!partner) {
      out.warnings.push_back("the policy names partner '" + p +
                             "', which is not registered (cairnctl partner add)");
    } else if (!partner->active()) {
      out.warnings.push_back("the policy names partner '" + p + "', which is revoked");
    }
  }
  CAIRN_LOG_INFO("applied policy version ", version, " from ", file_name);
  return out;
}

absl::StatusOr<PolicyApplied> Disclosure::RemoveGrant(absl::string_view name,
                                                      absl::string_view applied_by, Timestamp now) {
  MetricRegistry registry = store_->Metrics();
  CAIRN_ASSIGN_OR_RETURN(std::string text, policy_store_->RemoveGrant(name, &registry));
  return ApplyPolicy(text, absl::StrCat("(grant '", name, "' removed)"), applied_by, now);
}

PolicyExplanation Disclosure::Explain(const Partner* partner, absl::string_view partner_name,
                                      const Query& query, Timestamp now) const {
  PolicyExplanation out;
  if (partner == nullptr) {
    out.lines.push_back(absl::StrCat("partner '", partner_name,
                                     "' is not registered: its connection would be refused"));
  } else if (!partner->active()) {
    out.lines.push_back(
        absl::StrCat("partner '", partner_name, "' is revoked: its connection would be refused"));
  }
  if (!health_.ok()) out.lines.push_back(absl::StrCat("note: ", health_.message()));
  if (current_.version.version == 0) {
    out.lines.push_back("no policy applied: the partner's metric allow-list decides");
    Partner empty;
    empty.name = std::string(partner_name);
    absl::Status s = AuthorizeByAllowList(partner ? *partner : empty, query);
    out.allowed = s.ok();
    out.reason = std::string(s.message());
    return out;
  }
  out.lines.push_back(absl::StrCat("policy version ", current_.version.version));
  Explanation e = gate_.Explain(current_.policy, partner_name, query, now);
  out.lines.insert(out.lines.end(), e.lines.begin(), e.lines.end());
  out.allowed = e.decision.allowed;
  out.reason = e.decision.reason;
  if (e.decision.allowed && e.decision.grant != nullptr) {
    const Grant& g = *e.decision.grant;
    if (g.privacy) {
      out.release = absl::StrCat("released with ", DescribeNoise(g, query));
    } else if (g.min_records > 1 || g.min_series > 1) {
      out.release = absl::StrCat(
          "exact figures; groups with fewer than ", g.min_records, " records or ", g.min_series,
          " series are withheld; differencing with earlier answers is refused");
    } else {
      out.release = "exact, attested figures";
    }
  }
  return out;
}

std::vector<BudgetView> Disclosure::Budgets(absl::string_view partner, Timestamp now) const {
  std::vector<BudgetView> out;
  for (const Grant& g : current_.policy.grants()) {
    if (!g.privacy) continue;
    for (const std::string& p : PartnersBoundBy(current_.policy, g)) {
      if (!partner.empty() && p != partner) continue;
      BudgetState s = gate_.budget().State(p, g, now);
      out.push_back({p, g.name, s.budget_micros, s.spent_micros, s.period_start, s.renews_at});
    }
  }
  return out;
}

absl::Status Disclosure::Checkpoint(Timestamp now) {
  AuditLog::Head head = audit_->head();
  if (head.seq == 0 || head.seq == checkpointed_seq_) return absl::OkStatus();
  AuditSigner signer;
  signer.public_key = std::string(me_->identity.public_key().AsStringView());
  const Identity* identity = &me_->identity;
  signer.sign = [identity](absl::string_view message) {
    return std::string(Sign(*identity, message).AsStringView());
  };
  rocksdb::WriteBatch batch;
  CAIRN_ASSIGN_OR_RETURN(AuditCheckpoint checkpoint, audit_->Checkpoint(signer, now, &batch));
  CAIRN_RETURN_IF_ERROR(db_->Write(&batch));
  checkpointed_seq_ = checkpoint.seq;
  CAIRN_LOG_DEBUG("signed audit checkpoint at entry ", checkpoint.seq, " (head ",
                  HexEncode(checkpoint.head_hash), ")");
  return absl::OkStatus();
}

}  // namespace cairn
