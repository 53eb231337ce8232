// The daemon's round steward; see federation_steward.h.
#include "daemon/federation_steward.h"

#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "crypto/hash.h"
#include "federation/cohort_memory.h"
#include "federation/release_hash.h"
#include "federation/round.h"

namespace cairn {
namespace {

// What a member sends out of a round, on its way through the release pipeline: only the
// commit step has work to do (the member checked the round and computed what it sends; it
// signs it itself).
class RoundSend final : public ReleaseSteps {
 public:
  enum class What { kCounts, kFigures };
  using Stage = std::function<absl::Status(rocksdb::WriteBatch*)>;

  RoundSend(What what, RoundRelease release, Stage stage)
      : what_(what), release_(std::move(release)), stage_(std::move(stage)) {}

  absl::Status Commit(ReleaseGate& gate) override {
    verdict_ = what_ == What::kCounts ? gate.AdmitRound(release_, stage_)
                                      : gate.ReleaseRound(release_, stage_);
    return verdict_.allowed ? absl::OkStatus() : absl::PermissionDeniedError(verdict_.reason);
  }

  // The gate's verdict, refused if the release did not go through to the end.
  RoundVerdict Outcome(const absl::Status& released) && {
    if (!released.ok() && verdict_.allowed) {
      // Admitted and written, but not made durable (or the daemon is stopping): nothing leaves.
      verdict_.allowed = false;
      verdict_.reason = std::string(released.message());
    } else if (!released.ok() && verdict_.reason.empty()) {
      verdict_.reason = std::string(released.message());
    }
    return std::move(verdict_);
  }

 private:
  const What what_;
  const RoundRelease release_;
  const Stage stage_;
  RoundVerdict verdict_;
};

}  // namespace

Decision DaemonRoundSteward::DecisionOf(RoundVerdict verdict) {
  Decision d;
  d.allowed = verdict.allowed;
  d.denied_by = verdict.denied_by;
  d.reason = std::move(verdict.reason);
  grant_ = std::move(verdict.grant);
  d.grant = grant_ ? &*grant_ : nullptr;
  return d;
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

Decision DaemonRoundSteward::Check(absl::string_view requester, const Query& query,
                                   absl::string_view consortium, Timestamp now) {
  ReleaseGate* gate = &gate_;
  std::string who(requester), in(consortium);
  RoundVerdict verdict;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                 verdict = writer_.RunSync([&] { return gate->CheckRound(who, query, in); });
               })) {
    verdict = RoundVerdict{};
    verdict.reason = absl::StrCat("this daemon is stopping (", e->getDescription().cStr(), ")");
  }
  return DecisionOf(std::move(verdict));
}

Decision DaemonRoundSteward::Admit(const ReleaseNotice& notice) {
  RoundSend counts(RoundSend::What::kCounts, ReleaseOf(notice),
                   [](rocksdb::WriteBatch*) { return absl::OkStatus(); });
  RoundVerdict verdict = std::move(counts).Outcome(pipeline_.RunBlocking(counts));
  if (!verdict.allowed) {
    CAIRN_LOG_INFO("refused to send counts into round ", notice.round, " of consortium ",
                   notice.consortium, ": ", verdict.reason);
  }
  return DecisionOf(std::move(verdict));
}

Decision DaemonRoundSteward::RecordRelease(const ReleaseNotice& notice) {
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
  RoundSend figures(RoundSend::What::kFigures, ReleaseOf(notice), stage);
  RoundVerdict verdict = std::move(figures).Outcome(pipeline_.RunBlocking(figures));
  if (!verdict.allowed) {
    CAIRN_LOG_INFO("refused to release figures into round ", notice.round, " of consortium ",
                   notice.consortium, ": ", verdict.reason);
  }
  return DecisionOf(std::move(verdict));
}

}  // namespace cairn
