// The daemon's round steward; see federation_steward.h.
#include "daemon/federation_steward.h"

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "crypto/hash.h"
#include "federation/cohort_memory.h"
#include "federation/round.h"

namespace cairn {

Decision DaemonRoundSteward::DecisionOf(RoundVerdict verdict) {
  Decision d;
  d.allowed = verdict.allowed;
  d.denied_by = verdict.denied_by;
  d.reason = std::move(verdict.reason);
  grant_ = std::move(verdict.grant);
  d.grant = grant_ ? &*grant_ : nullptr;
  return d;
}

Decision DaemonRoundSteward::Check(absl::string_view requester, const Query& query,
                                   absl::string_view consortium, Timestamp now) {
  Disclosure* disclosure = &disclosure_;
  std::string who(requester), in(consortium);
  return OnWriter([&] { return disclosure->CheckRound(who, query, in, now); });
}

RoundRelease DaemonRoundSteward::ReleaseOf(const ReleaseNotice& notice) const {
  RoundRelease release;
  release.requester = notice.requester;
  if (const RosterMember* m = roster_.FindByName(notice.requester)) {
    release.requester_fingerprint = m->fingerprint.ToString();
  }
  release.consortium = notice.consortium;
  if (!HexDecode(notice.round, &release.round_digest)) release.round_digest = notice.round;
  release.query = notice.query;
  release.grant = notice.grant;
  release.cohort_size = notice.cohort.size();
  release.released_groups = notice.released_groups;
  release.release_hash = FederatedReleaseHash(notice.round, notice.cohort);
  return release;
}

Decision DaemonRoundSteward::OnWriter(const std::function<RoundVerdict()>& step) {
  RoundVerdict verdict;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] { verdict = writer_.RunSync(step); })) {
    verdict = RoundVerdict{};
    verdict.reason = absl::StrCat("this daemon is stopping (", e->getDescription().cStr(), ")");
  }
  return DecisionOf(std::move(verdict));
}

Decision DaemonRoundSteward::Admit(const ReleaseNotice& notice) {
  const RoundRelease release = ReleaseOf(notice);
  Disclosure* disclosure = &disclosure_;
  auto nothing_else = [](rocksdb::WriteBatch*) { return absl::OkStatus(); };
  Decision d = OnWriter([&] { return disclosure->AdmitRound(release, nothing_else, notice.now); });
  if (!d.allowed) {
    CAIRN_LOG_INFO("refused to send counts into round ", notice.round, " of consortium ",
                   notice.consortium, ": ", d.reason);
  }
  return d;
}

Decision DaemonRoundSteward::RecordRelease(const ReleaseNotice& notice) {
  const RoundRelease release = ReleaseOf(notice);
  // The stored memory plus this round, staged into the audit entry's batch. Only the writer
  // thread writes it, so reading it there first is consistent.
  ConsortiumStore* store = &store_;
  auto stage = [store, &notice](rocksdb::WriteBatch* batch) -> absl::Status {
    absl::StatusOr<std::optional<std::string>> stored = store->Memory(notice.consortium);
    if (!stored.ok()) return stored.status();
    CohortMemory memory;
    if (*stored) {
      absl::StatusOr<CohortMemory> imported = CohortMemory::Import(**stored);
      if (!imported.ok()) {
        return absl::DataLossError(absl::StrCat("the stored cohort memory of consortium ",
                                                notice.consortium,
                                                " is damaged: ", imported.status().message()));
      }
      memory = *std::move(imported);
    }
    const Query& q = notice.query;
    memory.Record(MetricsOf(q), q.from, q.to, notice.cohort, notice.now);
    store->PutMemory(notice.consortium, memory.Export(), batch);
    return absl::OkStatus();
  };
  Disclosure* disclosure = &disclosure_;
  Decision d = OnWriter([&] { return disclosure->ReleaseRound(release, stage, notice.now); });
  if (!d.allowed) {
    CAIRN_LOG_INFO("refused to release figures into round ", notice.round, " of consortium ",
                   notice.consortium, ": ", d.reason);
  }
  return d;
}

}  // namespace cairn
