#include "daemon/release/release_gate.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "crypto/hash.h"
#include "daemon/failpoint.h"
#include "protocol/convert.h"
#include "query/footprint.h"

namespace cairn {
namespace {

absl::Status RefusalOf(const Decision& d) {
  return d.denied_by == Check::kBudget || d.denied_by == Check::kRateLimit
             ? absl::ResourceExhaustedError(d.reason)
             : absl::PermissionDeniedError(d.reason);
}

RoundVerdict VerdictOf(const Decision& d, uint64_t policy_version) {
  RoundVerdict v;
  v.allowed = d.allowed;
  if (d.grant != nullptr) v.grant = *d.grant;
  v.denied_by = d.denied_by;
  v.reason = d.reason;
  v.policy_version = policy_version;
  return v;
}

RoundVerdict Refused(const absl::Status& why, uint64_t policy_version) {
  RoundVerdict v;
  v.reason = std::string(why.message());
  v.policy_version = policy_version;
  return v;
}

absl::Status ReplayRefusal() {
  return absl::PermissionDeniedError("replayed request: this nonce was already used");
}

AuditSubject SubjectOfRequest(const PartnerRequest& request) {
  return SubjectOf(request.partner, request.request.hash, request.signature);
}

}  // namespace

AuditSubject SubjectOf(const Partner& partner, absl::string_view request_hash,
                       absl::string_view signature) {
  return AuditSubject{partner.name, partner.fingerprint, std::string(request_hash),
                      std::string(signature)};
}

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

Grant AllowListGrant(const Partner& partner, const Query& query) {
  Grant g;
  g.name = "allow-list";
  g.partner = partner.name;
  g.purpose = "the partner's metric allow-list, before any policy";
  g.release = Release::kExact;
  g.metrics = partner.allowed_metrics;
  g.aggregates = {Aggregate::kSum, Aggregate::kCount, Aggregate::kMean};
  for (const std::string& a : partner.allowed_metrics) {
    for (const std::string& b : partner.allowed_metrics) {
      if (a != b) g.ratios.push_back(RatioPair{a, b});
    }
  }
  for (const TagFilter& f : query.filters) g.filter_tags.push_back(f.tag);
  g.group_tags = query.group_tags;
  g.finest = Granularity::kMonth;
  return g;
}

ReleasedKey ReleasedKeyFor(absl::string_view partner, const Verdict& verdict, const Query& query) {
  return ReleasedKey{std::string(partner), verdict.grant ? verdict.grant->name : "",
                     verdict.grant_digest, CanonicalBytes(query)};
}

absl::StatusOr<std::unique_ptr<ReleaseGate>> ReleaseGate::Open(
    const Clock* clock, PolicyInForce* policy, AuditWriter* audit, NonceStore* nonces,
    LedgerStore* ledger, RateStore* rates, const RecordStore* store, const PartnerStore* partners) {
  std::unique_ptr<ReleaseGate> g(new ReleaseGate());
  g->clock_ = clock;
  g->policy_ = policy;
  g->audit_ = audit;
  g->nonces_ = nonces;
  g->ledger_ = ledger;
  g->rates_ = rates;
  g->store_ = store;
  g->partners_ = partners;
  CAIRN_ASSIGN_OR_RETURN(std::vector<BudgetLedger::Account> accounts, ledger->LoadAccounts());
  for (const BudgetLedger::Account& a : accounts) g->gate_.budget().Restore(a);
  CAIRN_RETURN_IF_ERROR(ledger->LoadFootprints(&g->guard_));
  CAIRN_ASSIGN_OR_RETURN(std::vector<RateAdmission> admissions,
                         rates->Load(clock->Now() - RateLimiter::kLongestWindow));
  for (const RateAdmission& a : admissions) {
    for (uint32_t i = 0; i < a.count; ++i) g->gate_.rate_limits().Restore(a.partner, a.grant, a.at);
  }
  return g;
}

bool ReleaseGate::AuditRefusalAlone(const AuditSubject& who, AuditDecision decision,
                                    const absl::Status& why) {
  const Timestamp now = clock_->Now();
  RefusalWindow& window = refusals_[who.partner];
  if (now - window.start >= kMicrosPerMinute) {
    WriteCounted(who.partner, window);
    window = RefusalWindow();
    window.start = now;
  }
  window.who = who;
  if (window.audited < kAuditedRefusalsPerMinute) {
    ++window.audited;
    return true;
  }
  std::string key = absl::StrCat(AuditDecisionName(decision), ": ", why.message());
  if (window.counted.size() < kCountedReasonsPerMinute || window.counted.count(key) > 0) {
    ++window.counted[key];
  } else {
    ++window.counted["(other reasons)"];
  }
  return false;
}

void ReleaseGate::WriteCounted(const std::string& partner, RefusalWindow& window) {
  if (window.counted.empty() || !audit_->health().ok()) return;
  int64_t total = 0;
  std::vector<std::string> reasons;
  for (const auto& [reason, n] : window.counted) {
    total += n;
    reasons.push_back(absl::StrCat(n, " x ", reason));
  }
  AuditSubject who = window.who;
  who.request_hash.clear();
  who.request_signature.clear();
  AuditEntry entry = audit_->Begin(AuditKind::kQuery, AuditDecision::kDenied, who);
  entry.reason =
      absl::StrCat(total, " more requests from partner '", partner,
                   "' refused or failed in the minute from ", FormatTimestamp(window.start),
                   " (counted, not audited one by one): ", absl::StrJoin(reasons, "; "));
  rocksdb::WriteBatch batch;
  (void)audit_->Append(std::move(entry), &batch, AuditWriter::Durability::kDeferred);
  window.counted.clear();
}

void ReleaseGate::FlushRefusals(bool all) {
  const Timestamp now = clock_->Now();
  for (auto it = refusals_.begin(); it != refusals_.end();) {
    if (all || now - it->second.start >= kMicrosPerMinute) {
      WriteCounted(it->first, it->second);
      it = refusals_.erase(it);
    } else {
      ++it;
    }
  }
}

absl::Status ReleaseGate::Refuse(const PartnerRequest& request, const absl::Status& why,
                                 absl::string_view grant) {
  const AuditSubject who = SubjectOfRequest(request);
  if (!AuditRefusalAlone(who, AuditDecision::kDenied, why)) return why;
  AuditEntry entry = audit_->Begin(AuditKind::kQuery, AuditDecision::kDenied, who);
  entry.reason = std::string(why.message());
  entry.grant = std::string(grant);
  rocksdb::WriteBatch batch;
  nonces_->Remember(request.request.requester.fingerprint().ToString(), request.request.nonce,
                    request.request.issued_at, &batch);
  absl::StatusOr<AuditLog::Receipt> receipt =
      audit_->Append(std::move(entry), &batch, AuditWriter::Durability::kDeferred);
  if (!receipt.ok()) return receipt.status();
  CAIRN_LOG_INFO("refused a query from partner '", request.partner.name, "': ", why.message());
  return why;
}

void ReleaseGate::RecordFailure(const AuditSubject& who, const absl::Status& why) {
  CAIRN_LOG_DEBUG("a request from partner '", who.partner, "' failed: ", why.message());
  if (!audit_->health().ok()) return;
  if (!AuditRefusalAlone(who, AuditDecision::kFailed, why)) return;
  AuditEntry entry = audit_->Begin(AuditKind::kQuery, AuditDecision::kFailed, who);
  entry.reason = std::string(why.message());
  rocksdb::WriteBatch batch;
  (void)audit_->Append(std::move(entry), &batch, AuditWriter::Durability::kDeferred);
}

absl::StatusOr<Verdict> ReleaseGate::Decide(const PartnerRequest& request) {
  CAIRN_RETURN_IF_ERROR(audit_->Ready());
  const QueryRequestInfo& r = request.request;
  CAIRN_ASSIGN_OR_RETURN(bool seen,
                         nonces_->Seen(r.requester.fingerprint().ToString(), r.nonce, r.issued_at));
  if (seen) return Refuse(request, ReplayRefusal(), "");
  std::optional<Partner> partner = partners_->FindActiveByFingerprint(request.partner.fingerprint);
  if (!partner || partner->name != request.partner.name) {
    return Refuse(request,
                  absl::PermissionDeniedError(absl::StrCat("partner '", request.partner.name,
                                                           "' is no longer registered here")),
                  "");
  }
  Verdict verdict;
  verdict.policy_version = policy_->number();
  if (policy_->none()) {
    absl::Status allowed = AuthorizeByAllowList(*partner, r.query);
    if (allowed.ok()) {
      PolicyBuilder builder;
      builder.AddGrant(AllowListGrant(*partner, r.query));
      absl::StatusOr<Policy> implicit = std::move(builder).Build();
      Decision d = implicit.ok() ? gate_.Check(*implicit, partner->name, r.query, clock_->Now())
                                 : Decision{};
      if (!implicit.ok()) {
        allowed = implicit.status();
      } else if (!d.allowed) {
        allowed = absl::PermissionDeniedError(
            absl::StrCat("before a policy is applied, ", d.reason,
                         " (the allow-list answers whole months; the steward can apply a policy)"));
      }
    }
    if (!allowed.ok()) return Refuse(request, allowed, "");
    verdict.allow_list = true;
    return verdict;
  }
  Decision d = gate_.Check(policy_->policy(), request.partner.name, r.query, clock_->Now());
  if (!d.allowed) return Refuse(request, RefusalOf(d), d.grant ? d.grant->name : "");
  verdict.grant = *d.grant;
  verdict.grant_digest = policy_->GrantDigest(d.grant->name);
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

absl::Status ReleaseGate::StageSpending(absl::string_view partner, const Grant& grant,
                                        Timestamp now, rocksdb::WriteBatch* batch) {
  if (grant.rate_limit) {
    CAIRN_RETURN_IF_ERROR(
        rates_->Put(partner, grant.name, now, now - RateLimiter::kLongestWindow, batch));
  }
  if (!grant.privacy) return absl::OkStatus();
  for (const BudgetLedger::Account& a : gate_.budget().Accounts()) {
    if (a.partner == partner && a.grant == grant.name) return ledger_->PutAccount(a, batch);
  }
  return absl::OkStatus();
}

absl::StatusOr<AuditLog::Receipt> ReleaseGate::Commit(const PartnerRequest& request,
                                                      const Verdict& verdict,
                                                      const PreparedRelease& release) {
  CAIRN_RETURN_IF_ERROR(audit_->Ready());
  const QueryRequestInfo& r = request.request;
  const std::string requester = r.requester.fingerprint().ToString();
  CAIRN_ASSIGN_OR_RETURN(bool seen, nonces_->Seen(requester, r.nonce, r.issued_at));
  if (seen) return Refuse(request, ReplayRefusal(), "");
  const std::string grant_name = verdict.grant ? verdict.grant->name : "";
  if (verdict.policy_version != policy_->number()) {
    return Refuse(request,
                  absl::UnavailableError("the policy changed while the query was answered; "
                                         "ask again"),
                  grant_name);
  }
  // Budget and rate limit are spent in memory here, before the write. If the write then
  // fails the daemon stops answering until a write succeeds, and a restart reloads the budgets
  // from disk; if staging fails, the spend stays counted without a release — conservative
  // either way.
  const Timestamp now = clock_->Now();
  if (verdict.grant && !release.cached) {
    Decision d = gate_.Admit(policy_->policy(), request.partner.name, r.query, now);
    if (!d.allowed) return Refuse(request, RefusalOf(d), grant_name);
    if (!release.footprints.empty()) {
      const RecordStore* store = store_;
      absl::Status guarded =
          guard_.Check(request.partner.name, *verdict.grant, release.footprints,
                       [store](const Region& region) { return CountRegion(*store, region); });
      if (!guarded.ok()) return Refuse(request, guarded, grant_name);
    }
  }

  AuditEntry entry =
      audit_->Begin(AuditKind::kQuery, AuditDecision::kAllowed, SubjectOfRequest(request));
  entry.grant = grant_name;
  entry.epsilon_micros = release.epsilon_micros;
  entry.result_hash = Sha256(CanonicalBytes(release.result));
  entry.reason = verdict.allow_list ? "allowed by the partner's metric allow-list (no policy)"
                 : release.cached   ? absl::StrCat("repeat of an answer released under grant '",
                                                   grant_name, "' (no new cost)")
                                    : absl::StrCat("allowed by grant '", grant_name, "'");
  rocksdb::WriteBatch batch;
  LedgerStore::StagedWrite staged = ledger_->Stage();
  nonces_->Remember(requester, r.nonce, r.issued_at, &batch);
  absl::Status put = absl::OkStatus();
  if (verdict.grant && !release.cached) {
    put = StageSpending(request.partner.name, *verdict.grant, now, &batch);
  }
  if (put.ok() && release.epsilon_micros > 0) {
    put = ledger_->PutReleased(ReleasedKeyFor(request.partner.name, verdict, r.query),
                               CanonicalBytes(release.result), now, &batch);
  }
  if (put.ok() && !release.footprints.empty()) {
    put = ledger_->PutFootprints(request.partner.name, grant_name, release.footprints, &batch);
  }
  if (!put.ok()) return Refuse(request, put, grant_name);
  CAIRN_ASSIGN_OR_RETURN(
      AuditLog::Receipt receipt,
      audit_->Append(std::move(entry), &batch, AuditWriter::Durability::kDeferred));
  staged.Committed();
  if (!release.footprints.empty()) {
    guard_.Record(request.partner.name, *verdict.grant, release.footprints);
  }
  return receipt;
}

RoundVerdict ReleaseGate::CheckRound(absl::string_view requester, const Query& query,
                                     absl::string_view consortium) const {
  if (!audit_->health().ok()) return Refused(audit_->health(), policy_->number());
  if (policy_->none()) {
    return Refused(absl::PermissionDeniedError(
                       "no policy is applied: only a grant with a federation block answers a "
                       "federated round"),
                   0);
  }
  return VerdictOf(gate_.Check(policy_->policy(), requester, query, clock_->Now(), consortium),
                   policy_->number());
}

RoundVerdict ReleaseGate::AdmitRound(
    const RoundRelease& release, const std::function<absl::Status(rocksdb::WriteBatch*)>& stage) {
  const uint64_t version = policy_->number();
  if (absl::Status ready = audit_->Ready(); !ready.ok()) return Refused(ready, version);
  const Timestamp now = clock_->Now();
  // Check first, so that a refusal spends nothing; then Admit counts and spends.
  Decision checked =
      gate_.Check(policy_->policy(), release.requester, release.query, now, release.consortium);
  if (checked.allowed && checked.grant->name != release.grant) {
    return Refused(absl::PermissionDeniedError(absl::StrCat(
                       "the policy changed during the round: grant '", release.grant,
                       "' no longer admits it (grant '", checked.grant->name, "' would)")),
                   version);
  }
  if (!checked.allowed) return VerdictOf(checked, version);
  Decision admitted =
      gate_.Admit(policy_->policy(), release.requester, release.query, now, release.consortium);
  RoundVerdict verdict = VerdictOf(admitted, version);
  if (!admitted.allowed) return verdict;
  const Grant& grant = *verdict.grant;

  rocksdb::WriteBatch batch;
  LedgerStore::StagedWrite staged = ledger_->Stage();
  const int64_t epsilon = grant.privacy ? grant.privacy->epsilon_micros : 0;
  absl::Status put = StageSpending(release.requester, grant, now, &batch);
  // The spend stays counted in memory without a release if this fails: conservative.
  if (put.ok()) put = stage(&batch);
  if (!put.ok()) return Refused(put, version);
  AuditEntry entry = audit_->Begin(
      AuditKind::kFederatedCounts, AuditDecision::kAllowed,
      AuditSubject{release.requester, release.requester_fingerprint, release.round_digest, ""});
  entry.grant = grant.name;
  entry.epsilon_micros = epsilon;
  entry.result_hash = release.release_hash;
  entry.reason = absl::StrCat(
      "sent its contributor commitments into round ", HexEncode(release.round_digest),
      " of consortium ", release.consortium, " (cohort of ", release.cohort_size, ") under grant '",
      grant.name, "'",
      grant.privacy ? absl::StrCat(", with ", DescribeNoise(grant, release.query)) : "");
  absl::StatusOr<AuditLog::Receipt> receipt =
      audit_->Append(std::move(entry), &batch, AuditWriter::Durability::kDeferred);
  if (!receipt.ok()) return Refused(receipt.status(), version);
  staged.Committed();
  return verdict;
}

RoundVerdict ReleaseGate::ReleaseRound(
    const RoundRelease& release, const std::function<absl::Status(rocksdb::WriteBatch*)>& stage) {
  const uint64_t version = policy_->number();
  if (absl::Status ready = audit_->Ready(); !ready.ok()) return Refused(ready, version);
  // The round's rate limit and budget were counted when its counts left (AdmitRound): only the
  // grant's terms are checked again, in case the policy changed since.
  const Decision decided = cairn::Decide(policy_->policy(), release.requester, release.query,
                                         clock_->Now(), release.consortium);
  if (decided.allowed && decided.grant->name != release.grant) {
    return Refused(absl::PermissionDeniedError(absl::StrCat(
                       "the policy changed during the round: grant '", release.grant,
                       "' no longer admits it (grant '", decided.grant->name, "' would)")),
                   version);
  }
  RoundVerdict verdict = VerdictOf(decided, version);
  if (!decided.allowed) return verdict;
  rocksdb::WriteBatch batch;
  if (absl::Status staged = stage(&batch); !staged.ok()) return Refused(staged, version);
  AuditEntry entry = audit_->Begin(
      AuditKind::kFederated, AuditDecision::kAllowed,
      AuditSubject{release.requester, release.requester_fingerprint, release.round_digest, ""});
  entry.grant = release.grant;
  entry.result_hash = release.release_hash;
  entry.reason =
      absl::StrCat("released figures for ", release.released_groups, " groups into round ",
                   HexEncode(release.round_digest), " of consortium ", release.consortium,
                   " (cohort of ", release.cohort_size, ") under grant '", release.grant, "'");
  absl::StatusOr<AuditLog::Receipt> receipt =
      audit_->Append(std::move(entry), &batch, AuditWriter::Durability::kDeferred);
  if (!receipt.ok()) return Refused(receipt.status(), version);
  CrashAt("after-federated-commit");
  return verdict;
}

}  // namespace cairn
