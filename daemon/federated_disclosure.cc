// Disclosure's federated-round methods (see disclosure.h and daemon/federation_service.h): the
// same policy, gate, budget ledger and audit log as partner queries, so that a member's count
// commitments leave a round only after the one write that holds their audit entry and budget
// debit, and its figures only after the one write that holds their audit entry and its cohort
// memory. Writer thread only, like the rest of Disclosure's writing side.
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "crypto/hash.h"
#include "daemon/disclosure.h"
#include "daemon/failpoint.h"

namespace cairn {
namespace {

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

}  // namespace

RoundVerdict Disclosure::CheckRound(absl::string_view requester, const Query& query,
                                    absl::string_view consortium, Timestamp now) const {
  if (!health_.ok()) return Refused(health_, current_.version.version);
  if (current_.version.version == 0) {
    return Refused(absl::PermissionDeniedError(
                       "no policy is applied: only a grant with a federation block answers a "
                       "federated round"),
                   0);
  }
  return VerdictOf(gate_.Check(current_.policy, requester, query, now, consortium),
                   current_.version.version);
}

RoundVerdict Disclosure::AdmitRound(const RoundRelease& release,
                                    const std::function<absl::Status(rocksdb::WriteBatch*)>& stage,
                                    Timestamp now) {
  const uint64_t version = current_.version.version;
  if (!health_.ok()) return Refused(health_, version);
  // Check first, so that a refusal spends nothing; then Admit counts and spends.
  Decision checked =
      gate_.Check(current_.policy, release.requester, release.query, now, release.consortium);
  if (checked.allowed && checked.grant->name != release.grant) {
    return Refused(absl::PermissionDeniedError(absl::StrCat(
                       "the policy changed during the round: grant '", release.grant,
                       "' no longer admits it (grant '", checked.grant->name, "' would)")),
                   version);
  }
  if (!checked.allowed) return VerdictOf(checked, version);
  Decision admitted =
      gate_.Admit(current_.policy, release.requester, release.query, now, release.consortium);
  RoundVerdict verdict = VerdictOf(admitted, version);
  if (!admitted.allowed) return verdict;
  const Grant& grant = *verdict.grant;

  rocksdb::WriteBatch batch;
  absl::Status staged = absl::OkStatus();
  const int64_t epsilon = grant.privacy ? grant.privacy->epsilon_micros : 0;
  if (epsilon > 0) {
    for (const BudgetLedger::Account& a : gate_.budget().Accounts()) {
      if (a.partner == release.requester && a.grant == grant.name) {
        staged = ledger_->PutAccount(a, &batch);
      }
    }
  }
  if (staged.ok()) staged = stage(&batch);
  if (!staged.ok()) {
    // The spend stays counted in memory without a release: conservative, as for queries.
    ledger_->Abandoned();
    return Refused(staged, version);
  }
  AuditEntry entry;
  entry.time = now;
  entry.partner = release.requester;
  entry.partner_fingerprint = release.requester_fingerprint;
  entry.request_hash = release.round_digest;
  entry.decision = AuditDecision::kAllowed;
  entry.grant = grant.name;
  entry.policy_version = version;
  entry.epsilon_micros = epsilon;
  entry.result_hash = release.release_hash;
  entry.kind = "federated-counts";
  entry.reason = absl::StrCat(
      "sent its contributor commitments into round ", HexEncode(release.round_digest),
      " of consortium ", release.consortium, " (cohort of ", release.cohort_size, ") under grant '",
      grant.name, "'",
      grant.privacy ? absl::StrCat(", with ", DescribeNoise(grant, release.query)) : "");
  absl::StatusOr<AuditLog::Receipt> receipt = WriteEntry(std::move(entry), &batch, nullptr);
  if (!receipt.ok()) return Refused(receipt.status(), version);
  return verdict;
}

RoundVerdict Disclosure::ReleaseRound(
    const RoundRelease& release, const std::function<absl::Status(rocksdb::WriteBatch*)>& stage,
    Timestamp now) {
  const uint64_t version = current_.version.version;
  if (!health_.ok()) return Refused(health_, version);
  // The round's rate limit and budget were counted when its counts left (AdmitRound): only
  // the grant's terms are checked again, in case the policy changed since.
  const Decision decided =
      cairn::Decide(current_.policy, release.requester, release.query, now, release.consortium);
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
  AuditEntry entry;
  entry.time = now;
  entry.partner = release.requester;
  entry.partner_fingerprint = release.requester_fingerprint;
  entry.request_hash = release.round_digest;
  entry.decision = AuditDecision::kAllowed;
  entry.grant = release.grant;
  entry.policy_version = version;
  entry.result_hash = release.release_hash;
  entry.kind = "federated";
  entry.reason =
      absl::StrCat("released figures for ", release.released_groups, " groups into round ",
                   HexEncode(release.round_digest), " of consortium ", release.consortium,
                   " (cohort of ", release.cohort_size, ") under grant '", release.grant, "'");
  absl::StatusOr<AuditLog::Receipt> receipt = WriteEntry(std::move(entry), &batch, nullptr);
  if (!receipt.ok()) return Refused(receipt.status(), version);
  CrashAt("after-federated-commit");
  return verdict;
}

absl::StatusOr<AuditLog::Receipt> Disclosure::RecordRound(AuditEntry entry,
                                                          rocksdb::WriteBatch* batch) {
  if (!health_.ok()) return health_;
  entry.policy_version = current_.version.version;
  rocksdb::WriteBatch empty;
  return WriteEntry(std::move(entry), batch != nullptr ? batch : &empty, nullptr);
}

}  // namespace cairn
