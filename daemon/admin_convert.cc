// See admin_convert.h.
#include "daemon/admin_convert.h"

#include "protocol/audit_kind.h"
#include "protocol/convert.h"

namespace cairn {
namespace {

template <typename List>
void SetTexts(List list, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) list.set(i, values[i]);
}

proto::Grant::Release ReleaseOf(Release r) {
  return r == Release::kProtected ? proto::Grant::Release::PROTECTED : proto::Grant::Release::EXACT;
}

proto::AuditEntry::Decision DecisionOf(AuditDecision d) {
  switch (d) {
    case AuditDecision::kAllowed:
      return proto::AuditEntry::Decision::ALLOWED;
    case AuditDecision::kDenied:
      return proto::AuditEntry::Decision::DENIED;
    case AuditDecision::kFailed:
      return proto::AuditEntry::Decision::FAILED;
  }
  return proto::AuditEntry::Decision::FAILED;
}

proto::ConsortiumMember::Standing StandingOf(MemberStanding s) {
  switch (s) {
    case MemberStanding::kNotRegistered:
      return proto::ConsortiumMember::Standing::NOT_REGISTERED;
    case MemberStanding::kThisDaemon:
      return proto::ConsortiumMember::Standing::THIS_DAEMON;
    case MemberStanding::kPartner:
      return proto::ConsortiumMember::Standing::PARTNER;
    case MemberStanding::kRevokedPartner:
      return proto::ConsortiumMember::Standing::REVOKED_PARTNER;
  }
  return proto::ConsortiumMember::Standing::NOT_REGISTERED;
}

void FillPrivacy(const PrivacySpec& p, proto::Grant::Privacy::Builder out) {
  out.setEpsilon(p.epsilon);
  out.setBudget(p.budget);
  out.setEpsilonMicros(p.epsilon_micros);
  out.setBudgetMicros(p.budget_micros);
  out.setPeriod(ToProto(std::optional<Granularity>(p.period)));
  auto clamps = out.initClamps(p.clamps.size());
  size_t i = 0;
  for (const auto& [metric, clamp] : p.clamps) {
    clamps[i].setMetric(metric);
    clamps[i].setLo(clamp.lo);
    clamps[i].setHi(clamp.hi);
    clamps[i].setResolution(clamp.resolution);
    ++i;
  }
}

}  // namespace

capnp::Data::Reader DataOf(absl::string_view bytes) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size());
}

void FillGrant(const Grant& g, proto::Grant::Builder out) {
  out.setName(g.name);
  if (g.partner.empty()) {
    out.setGroup(g.group);
  } else {
    out.setPartner(g.partner);
  }
  out.setPurpose(g.purpose);
  out.setRelease(ReleaseOf(g.release));
  SetTexts(out.initMetrics(g.metrics.size()), g.metrics);
  auto aggregates = out.initAggregates(g.aggregates.size());
  for (size_t i = 0; i < g.aggregates.size(); ++i) {
    aggregates.set(i, static_cast<proto::Aggregate>(static_cast<int>(g.aggregates[i])));
  }
  auto ratios = out.initRatios(g.ratios.size());
  for (size_t i = 0; i < g.ratios.size(); ++i) {
    ratios[i].setNumerator(g.ratios[i].numerator);
    ratios[i].setDenominator(g.ratios[i].denominator);
  }
  SetTexts(out.initFilterTags(g.filter_tags.size()), g.filter_tags);
  SetTexts(out.initGroupTags(g.group_tags.size()), g.group_tags);
  auto scope = out.initScope(g.scope.size());
  size_t i = 0;
  for (const auto& [tag, values] : g.scope) {
    scope[i].setTag(tag);
    SetTexts(scope[i].initValues(values.size()), values);
    ++i;
  }
  out.setFinest(ToProto(std::optional<Granularity>(g.finest)));
  out.setMinRecords(g.min_records);
  out.setMinSeries(g.min_series);
  if (g.privacy) FillPrivacy(*g.privacy, out.initPrivacy());
  if (g.rate_limit) {
    auto r = out.initRateLimit();
    r.setQueries(g.rate_limit->queries);
    r.setWindowMicros(g.rate_limit->window_micros);
    r.setWindowName(g.rate_limit->window_name);
  }
  out.setHasValidFrom(g.valid_from.has_value());
  out.setValidFrom(g.valid_from.value_or(0));
  out.setHasValidUntil(g.valid_until.has_value());
  out.setValidUntil(g.valid_until.value_or(0));
  if (g.federation) {
    auto f = out.initFederation();
    f.setConsortium(g.federation->consortium);
    f.setMinCohort(g.federation->min_cohort);
  }
}

void FillPolicyVersion(const PolicyVersion& v, proto::PolicyVersionInfo::Builder out) {
  out.setVersion(v.version);
  out.setAppliedAt(v.applied_at);
  out.setFileName(v.file_name);
  out.setAppliedBy(v.applied_by);
  out.setSha256(DataOf(v.sha256));
}

void FillPolicyChanges(const PolicyChange& c, proto::PolicyChanges::Builder out) {
  SetTexts(out.initGrantsAdded(c.grants_added.size()), c.grants_added);
  SetTexts(out.initGrantsChanged(c.grants_changed.size()), c.grants_changed);
  SetTexts(out.initGrantsRemoved(c.grants_removed.size()), c.grants_removed);
  SetTexts(out.initDenyRulesAdded(c.deny_rules_added.size()), c.deny_rules_added);
  SetTexts(out.initDenyRulesChanged(c.deny_rules_changed.size()), c.deny_rules_changed);
  SetTexts(out.initDenyRulesRemoved(c.deny_rules_removed.size()), c.deny_rules_removed);
  out.setGroupsChanged(c.groups_changed);
}

void FillPolicyCheck(const PolicyExplanation& e, proto::PolicyCheck::Builder out) {
  out.setAllowed(e.allowed);
  out.setReason(e.reason);
  SetTexts(out.initLines(e.lines.size()), e.lines);
  out.setRelease(e.release);
}

void FillBudget(const BudgetView& b, proto::BudgetInfo::Builder out) {
  out.setPartner(b.partner);
  out.setGrant(b.grant);
  out.setBudgetMicros(b.budget_micros);
  out.setSpentMicros(b.spent_micros);
  out.setPeriodStart(b.period_start);
  out.setRenewsAt(b.renews_at);
}

void FillAuditEntry(const AuditEntry& e, proto::AuditEntry::Builder out) {
  out.setSeq(e.seq);
  out.setTime(e.time);
  out.setPartner(e.partner);
  out.setPartnerFingerprint(e.partner_fingerprint);
  out.setRequestHash(DataOf(e.request_hash));
  out.setRequestSignature(DataOf(e.request_signature));
  out.setDecision(DecisionOf(e.decision));
  out.setReason(e.reason);
  out.setGrant(e.grant);
  out.setPolicyVersion(e.policy_version);
  out.setEpsilonMicros(e.epsilon_micros);
  out.setResultHash(DataOf(e.result_hash));
  const absl::string_view stored = AuditKindName(e.kind);
  const proto::AuditEntry::Kind kind = AuditKindOf(stored);
  out.setKind(kind);
  if (kind == proto::AuditEntry::Kind::OTHER) out.setOtherKind(std::string(stored));
  out.setPrevHash(DataOf(e.prev_hash));
  out.setHash(DataOf(e.hash));
}

void FillAuditVerifyReport(const absl::Status& result, const AuditVerifyReport& r,
                           proto::AuditVerifyReport::Builder out) {
  out.setOk(result.ok());
  out.setEntries(r.entries);
  out.setCheckpoints(r.checkpoints);
  out.setLastSeq(r.last_seq);
  out.setHeadHash(DataOf(r.head_hash));
  out.setLastCheckpointSeq(r.last_checkpoint_seq);
  out.setFirstBadSeq(r.first_bad_seq);
  if (!result.ok()) out.setProblem(r.problem.empty() ? std::string(result.message()) : r.problem);
}

void FillConsortium(const ConsortiumView& c, proto::ConsortiumInfo::Builder out) {
  out.setName(c.name);
  out.setFileName(c.file_name);
  out.setAddedAt(c.added_at);
  out.setAddedBy(c.added_by);
  out.setCohortMemoryEntries(static_cast<uint32_t>(c.memory_entries));
  auto members = out.initMembers(c.members.size());
  for (size_t i = 0; i < c.members.size(); ++i) {
    members[i].setName(c.members[i].name);
    members[i].setFingerprint(c.members[i].fingerprint);
    members[i].setEndpoint(c.members[i].endpoint);
    members[i].setStanding(StandingOf(c.members[i].standing));
  }
}

}  // namespace cairn
