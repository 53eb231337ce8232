#include "daemon/release/stewardship.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "crypto/certificate.h"
#include "crypto/hash.h"

namespace cairn {
namespace {

std::vector<std::string> PartnersBoundBy(const Policy& policy, const Grant& grant) {
  if (!grant.partner.empty()) return {grant.partner};
  auto it = policy.groups().find(grant.group);
  return it == policy.groups().end() ? std::vector<std::string>{} : it->second;
}

}  // namespace

absl::StatusOr<Partner> CheckRegistration(const PartnerCandidate& candidate,
                                          RegistrationOrigin origin, const PartnerStore& partners,
                                          const PublicKey& me, const MetricRegistry& registry,
                                          Timestamp now) {
  absl::StatusOr<CertificateInfo> cert = ParseCertificate(candidate.certificate_pem);
  if (!cert.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the certificate is not a Cairn certificate: ", cert.status().message()));
  }
  if (!candidate.fingerprint.empty()) {
    CAIRN_ASSIGN_OR_RETURN(Fingerprint expected, Fingerprint::Parse(candidate.fingerprint));
    if (expected != cert->fingerprint) {
      return absl::InvalidArgumentError(
          absl::StrCat("fingerprint mismatch: the certificate carries ",
                       cert->fingerprint.ToString(), " but you pinned ", expected.ToString(),
                       "; check with your partner out of band before registering it"));
    }
  }
  if (now >= cert->not_after) {
    return absl::InvalidArgumentError(
        absl::StrCat("the certificate expired on ", FormatTimestamp(cert->not_after),
                     "; ask the partner for a current one (cairnctl identity)"));
  }
  if (now < cert->not_before) {
    return absl::InvalidArgumentError(absl::StrCat("the certificate is not valid before ",
                                                   FormatTimestamp(cert->not_before),
                                                   "; check both clocks"));
  }
  if (cert->public_key == me) {
    return absl::InvalidArgumentError("that is this daemon's own certificate");
  }
  for (const std::string& m : candidate.allow_metrics) {
    if (registry.Find(m) == nullptr) {
      return absl::NotFoundError(absl::StrCat("unknown metric '", m, "'"));
    }
  }
  if (origin == RegistrationOrigin::kRoster) {
    std::optional<Partner> earlier = partners.Find(candidate.name);
    if (earlier && !earlier->active()) {
      return absl::FailedPreconditionError(
          absl::StrCat("partner '", candidate.name, "' was revoked here on ",
                       FormatTimestamp(*earlier->revoked_at),
                       "; a roster import never re-activates a revoked partner: register it again "
                       "yourself if that is intended (cairnctl partner add ",
                       candidate.name, ")"));
    }
  }
  Partner partner;
  partner.name = candidate.name;
  partner.fingerprint = cert->fingerprint.ToString();
  partner.display_name = cert->organization;
  partner.certificate_pem = cert->pem;
  partner.endpoint = candidate.endpoint;
  partner.allowed_metrics = candidate.allow_metrics;
  partner.added_at = now;
  return partner;
}

absl::StatusOr<PolicyApplied> Stewardship::ApplyPolicy(absl::string_view text,
                                                       absl::string_view file_name,
                                                       absl::string_view applied_by) {
  CAIRN_RETURN_IF_ERROR(audit_->Ready());
  MetricRegistry registry = records_->Metrics();
  PolicyVersion draft;
  draft.file_name = std::string(file_name);
  draft.text = std::string(text);
  CAIRN_RETURN_IF_ERROR(ParseAppliedPolicy(draft, &registry).status());
  rocksdb::WriteBatch batch;
  CAIRN_ASSIGN_OR_RETURN(PolicyVersion version,
                         store_->Apply(text, file_name, applied_by, clock_->Now(), &batch));
  const uint64_t number = version.version;
  AuditEntry entry = audit_->Begin(AuditKind::kPolicyApply, AuditDecision::kAllowed);
  entry.policy_version = number;
  entry.reason = absl::StrCat("policy version ", number, " applied from ", file_name, " by ",
                              applied_by, " (sha256 ", HexEncode(version.sha256), ")");
  entry.result_hash = version.sha256;
  CAIRN_ASSIGN_OR_RETURN(AppliedPolicy applied, ParseAppliedPolicy(std::move(version), &registry));
  CAIRN_RETURN_IF_ERROR(audit_->Append(std::move(entry), &batch).status());
  policy_->Replace(std::move(applied));

  PolicyApplied out;
  out.version = number;
  absl::StatusOr<std::vector<PolicyChange>> history = store_->History(1);
  if (history.ok() && !history->empty()) out.change = history->front();
  std::set<std::string> named;
  for (const Grant& g : policy_->policy().grants()) {
    for (const std::string& p : PartnersBoundBy(policy_->policy(), g)) named.insert(p);
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
  CAIRN_LOG_INFO("applied policy version ", number, " from ", file_name);
  return out;
}

absl::StatusOr<PolicyApplied> Stewardship::RemoveGrant(absl::string_view name,
                                                       absl::string_view applied_by) {
  CAIRN_ASSIGN_OR_RETURN(std::string text, store_->RemoveGrant(name));
  absl::StatusOr<PolicyApplied> applied =
      ApplyPolicy(text, absl::StrCat("(grant '", name, "' removed)"), applied_by);
  if (absl::IsInvalidArgument(applied.status())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the policy without grant '", name, "' does not validate: ", applied.status().message()));
  }
  return applied;
}

PolicyExplanation Stewardship::Explain(absl::string_view partner_name, const Query& query) const {
  PolicyExplanation out;
  std::optional<Partner> partner = partners_->Find(partner_name);
  if (!partner) {
    out.lines.push_back(absl::StrCat("partner '", partner_name,
                                     "' is not registered: its connection would be refused"));
  } else if (!partner->active()) {
    out.lines.push_back(
        absl::StrCat("partner '", partner_name, "' is revoked: its connection would be refused"));
  }
  if (!audit_->health().ok())
    out.lines.push_back(absl::StrCat("note: ", audit_->health().message()));
  if (policy_->none()) {
    out.lines.push_back("no policy applied: the partner's metric allow-list decides");
    Partner empty;
    empty.name = std::string(partner_name);
    const Partner& asking = partner ? *partner : empty;
    absl::Status s = AuthorizeByAllowList(asking, query);
    if (s.ok()) {
      PolicyBuilder builder;
      builder.AddGrant(AllowListGrant(asking, query));
      absl::StatusOr<Policy> implicit = std::move(builder).Build();
      Decision d = implicit.ok()
                       ? gate_->gate().Check(*implicit, partner_name, query, clock_->Now())
                       : Decision{};
      if (!implicit.ok()) {
        s = implicit.status();
      } else if (!d.allowed) {
        s = absl::PermissionDeniedError(d.reason);
      }
    }
    out.allowed = s.ok() && partner && partner->active();
    out.reason = std::string(s.message());
    if (out.allowed) out.release = "exact figures, in whole months at the finest";
    return out;
  }
  out.lines.push_back(absl::StrCat("policy version ", policy_->number()));
  Explanation e = gate_->gate().Explain(policy_->policy(), partner_name, query, clock_->Now());
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

std::vector<BudgetView> Stewardship::Budgets(absl::string_view partner) const {
  std::vector<BudgetView> out;
  const Timestamp now = clock_->Now();
  for (const Grant& g : policy_->policy().grants()) {
    if (!g.privacy) continue;
    for (const std::string& p : PartnersBoundBy(policy_->policy(), g)) {
      if (!partner.empty() && p != partner) continue;
      BudgetState s = gate_->gate().budget().State(p, g, now);
      out.push_back({p, g.name, s.budget_micros, s.spent_micros, s.period_start, s.renews_at});
    }
  }
  return out;
}

absl::StatusOr<std::vector<Partner>> Stewardship::RegisterPartners(std::vector<Partner> partners,
                                                                   absl::string_view why,
                                                                   rocksdb::WriteBatch* batch,
                                                                   std::vector<AuditEntry> more) {
  CAIRN_RETURN_IF_ERROR(audit_->Ready());
  rocksdb::WriteBatch own;
  if (batch == nullptr) batch = &own;
  std::vector<Partner> staged;
  std::vector<AuditEntry> entries;
  for (Partner& p : partners) {
    CAIRN_ASSIGN_OR_RETURN(Partner added, partners_->Add(std::move(p), batch));
    AuditEntry entry = audit_->Begin(AuditKind::kPartnerAdd, AuditDecision::kAllowed,
                                     AuditSubject{added.name, added.fingerprint, "", ""});
    entry.reason = absl::StrCat("registered partner '", added.name, "' (", added.fingerprint, ")",
                                why.empty() ? "" : " ", why);
    entries.push_back(std::move(entry));
    staged.push_back(std::move(added));
  }
  for (AuditEntry& e : more) entries.push_back(std::move(e));
  if (entries.empty()) return staged;
  // One write: the partner rows, the caller's rows and, chained, every entry.
  CAIRN_RETURN_IF_ERROR(audit_->AppendAll(std::move(entries), batch).status());
  for (const Partner& p : staged) {
    partners_->Apply(p);
    CAIRN_LOG_INFO("registered partner '", p.name, "' (", p.fingerprint, ")");
  }
  return staged;
}

absl::StatusOr<Partner> Stewardship::RevokePartner(absl::string_view name) {
  CAIRN_RETURN_IF_ERROR(audit_->Ready());
  rocksdb::WriteBatch batch;
  CAIRN_ASSIGN_OR_RETURN(Partner revoked, partners_->Revoke(name, clock_->Now(), &batch));
  AuditEntry entry = audit_->Begin(AuditKind::kPartnerRevoke, AuditDecision::kAllowed,
                                   AuditSubject{revoked.name, revoked.fingerprint, "", ""});
  entry.reason = absl::StrCat("revoked partner '", name, "'");
  CAIRN_RETURN_IF_ERROR(audit_->Append(std::move(entry), &batch).status());
  partners_->Apply(revoked);
  return revoked;
}

absl::Status Stewardship::AllowMetrics(absl::string_view name, std::vector<std::string> metrics) {
  CAIRN_RETURN_IF_ERROR(audit_->Ready());
  MetricRegistry registry = records_->Metrics();
  for (const std::string& m : metrics) {
    if (registry.Find(m) == nullptr) {
      return absl::NotFoundError(absl::StrCat("unknown metric '", m, "'"));
    }
  }
  rocksdb::WriteBatch batch;
  CAIRN_ASSIGN_OR_RETURN(Partner changed,
                         partners_->SetAllowedMetrics(name, std::move(metrics), &batch));
  AuditEntry entry = audit_->Begin(AuditKind::kPartnerAllow, AuditDecision::kAllowed,
                                   AuditSubject{changed.name, changed.fingerprint, "", ""});
  entry.reason = absl::StrCat(
      "partner '", name, "' may ask about ",
      changed.allowed_metrics.empty() ? "no metric" : absl::StrJoin(changed.allowed_metrics, ", "),
      " while no policy is applied");
  CAIRN_RETURN_IF_ERROR(audit_->Append(std::move(entry), &batch).status());
  partners_->Apply(changed);
  return absl::OkStatus();
}

}  // namespace cairn
