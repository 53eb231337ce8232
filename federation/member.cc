// The member side of a federated round; see member.h.
#include "federation/member.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "federation/count_phase.h"
#include "federation/tally.h"

namespace cairn {
namespace {

// The policy's RandomSource over the CSPRNG: production noise.
class CsprngNoise final : public RandomSource {
 public:
  uint64_t Next64() override { return RandomU64(); }
};

std::string Key(const RoundDigest& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::vector<Fingerprint> Fingerprints(absl::Span<const PublicKey> keys) {
  std::vector<Fingerprint> out;
  out.reserve(keys.size());
  for (const PublicKey& k : keys) out.push_back(k.fingerprint());
  return out;
}

bool Contains(absl::Span<const PublicKey> keys, const PublicKey& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

struct FederationMember::OpenRound {
  enum class Stage { kCommitted, kCountsSent };

  RoundDigest digest{};
  Proposal proposal;
  KeySpace keys;
  std::string requester;  // roster name
  Grant grant;            // copied at the proposal: the policy may be reloaded meanwhile
  Timestamp expires_at = 0;
  Stage stage = Stage::kCommitted;
  // From the announcement on:
  std::vector<PublicKey> cohort{};
  std::optional<RoundMasks> masks{};
  LocalFigures figures{};
};

FederationMember::FederationMember(MemberContext context, CohortMemory memory)
    : context_(std::move(context)),
      started_at_(context_.clock ? context_.clock() : 0),
      roster_keys_(context_.roster != nullptr ? context_.roster->KnownPublicKeys()
                                              : std::vector<PublicKey>()),
      memory_(std::move(memory)) {
  if (context_.identity == nullptr || context_.roster == nullptr || context_.steward == nullptr ||
      !context_.local || !context_.clock) {
    CAIRN_LOG_ERROR(
        "FederationMember needs an identity, a roster, a steward, a local query and a clock");
    std::abort();  // a caller bug, not something a peer can cause
  }
  pair_keys_ = std::make_unique<PairKeys>(*context_.identity);
  pair_keys_->Warm(context_.roster->KnownPublicKeys());
}

FederationMember::~FederationMember() = default;

RandomSource& FederationMember::Noise() {
  static CsprngNoise csprng;
  return context_.noise != nullptr ? *context_.noise : csprng;
}

CohortMemory FederationMember::memory() const {
  absl::MutexLock lock(&mu_);
  return memory_;
}

void FederationMember::RestoreMemory(CohortMemory memory) {
  absl::MutexLock lock(&mu_);
  memory_ = std::move(memory);
}

size_t FederationMember::open_rounds() const {
  absl::MutexLock lock(&mu_);
  return open_.size();
}

void FederationMember::Purge(Timestamp now) {
  absl::erase_if(open_, [&](const auto& entry) { return entry.second->expires_at <= now; });
  absl::erase_if(seen_, [&](const auto& entry) { return entry.second <= now; });
}

absl::StatusOr<std::string> FederationMember::Handle(FederationCall call,
                                                     absl::string_view request) {
  switch (call) {
    case FederationCall::kPropose:
      return Propose(request);
    case FederationCall::kAnnounce:
      return Announce(request);
    case FederationCall::kValues:
      return Values(request);
  }
  return absl::InvalidArgumentError("unknown federation call");
}

absl::StatusOr<std::string> FederationMember::Propose(absl::string_view request) {
  absl::MutexLock lock(&mu_);
  const Timestamp now = context_.clock();
  Purge(now);
  return ProposeLocked(request, now);
}

absl::StatusOr<std::string> FederationMember::Announce(absl::string_view request) {
  absl::MutexLock lock(&mu_);
  const Timestamp now = context_.clock();
  Purge(now);
  return AnnounceLocked(request, now);
}

absl::StatusOr<std::string> FederationMember::Values(absl::string_view request) {
  absl::MutexLock lock(&mu_);
  const Timestamp now = context_.clock();
  Purge(now);
  return ValuesLocked(request, now);
}

absl::StatusOr<std::string> FederationMember::ProposeLocked(absl::string_view request,
                                                            Timestamp now) {
  CAIRN_ASSIGN_OR_RETURN(const SignedMessage message, DecodeSigned(request));
  CAIRN_ASSIGN_OR_RETURN(Proposal p, OpenProposal(message, &roster_keys_));
  const RoundDigest digest = DigestProposal(message.body);
  const Identity& self = *context_.identity;
  const ConsortiumRoster& roster = *context_.roster;

  Commitment commitment{digest, self.public_key()};
  auto reply = [&](std::string reason) {
    commitment.accepted = reason.empty();
    commitment.reason = std::move(reason);
    return EncodeSigned(SignCommitment(self, commitment));
  };

  // Who asks, and is it fresh? Only a roster member's proposal is remembered, so strangers
  // cannot fill the memory of seen proposals.
  const RosterMember* requester = roster.Find(p.requester.fingerprint());
  if (requester == nullptr) {
    return reply(absl::StrCat("the requester ", p.requester.fingerprint().ToString(),
                              " is not on this member's roster of consortium ",
                              roster.consortium()));
  }
  if (p.consortium != roster.consortium()) {
    return reply(absl::StrCat("this member answers rounds of consortium ", roster.consortium(),
                              ", not ", p.consortium));
  }
  const MemberOptions& options = context_.options;
  if (p.issued_at < now - options.max_proposal_age || p.issued_at > now + options.max_clock_skew) {
    return reply(absl::StrCat("the proposal was issued at ", FormatTimestamp(p.issued_at),
                              ", which is not within the last ",
                              options.max_proposal_age / kMicrosPerSecond, " s of ",
                              FormatTimestamp(now)));
  }
  if (p.issued_at < started_at_) {
    return reply(absl::StrCat("the proposal was issued at ", FormatTimestamp(p.issued_at),
                              ", before this member started (", FormatTimestamp(started_at_),
                              "); propose the round again"));
  }
  if (seen_.contains(Key(digest))) {
    return absl::AlreadyExistsError(absl::StrCat("round ", DigestHex(digest),
                                                 " was proposed before: a proposal is answered "
                                                 "once"));
  }
  if (seen_.size() >= options.max_seen_proposals) {
    return absl::ResourceExhaustedError("too many recent proposals; try again later");
  }
  seen_[Key(digest)] = p.issued_at + options.max_proposal_age + options.max_clock_skew;

  // What is asked, of whom?
  if (absl::Status s = ValidateProposal(p, context_.registry); !s.ok()) {
    return reply(absl::StrCat("the proposal is not a valid round: ", s.message()));
  }
  if (!Contains(p.cohort, self.public_key())) {
    return reply("this member is not in the proposed cohort");
  }
  for (const PublicKey& member : p.cohort) {
    if (!roster.Contains(member)) {
      return reply(absl::StrCat("cohort member ", member.fingerprint().ToString(),
                                " is not on this member's roster of consortium ",
                                roster.consortium()));
    }
  }

  // May the requester ask it, and is the cohort large enough for this member?
  const Decision d = context_.steward->Check(requester->name, p.query, p.consortium, now);
  if (!d.allowed) return reply(d.reason);
  if (d.grant == nullptr || !d.grant->federation) {
    return absl::InternalError("the steward admitted a round without a federation grant");
  }
  const uint64_t min_cohort = d.grant->federation->min_cohort;
  if (p.cohort.size() < min_cohort) {
    return reply(absl::StrCat("the proposed cohort has ", p.cohort.size(),
                              " members; this member's minimum is ", min_cohort));
  }
  if (p.min_contributors < min_cohort) {
    return reply(absl::StrCat("the round would release groups with ", p.min_contributors,
                              " contributors; this member's minimum is ", min_cohort));
  }
  if (absl::Status s = memory_.Check(MetricsOf(p.query), p.query.from, p.query.to,
                                     Fingerprints(p.cohort), min_cohort);
      !s.ok()) {
    return reply(std::string(s.message()));
  }
  if (open_.size() >= options.max_open_rounds) {
    return reply(absl::StrCat("this member has ", open_.size(),
                              " rounds open, the most it takes part in at once"));
  }

  CAIRN_ASSIGN_OR_RETURN(KeySpace keys, KeySpace::Make(p.query, p.group_values));
  auto round =
      std::make_unique<OpenRound>(OpenRound{digest, std::move(p), std::move(keys), requester->name,
                                            *d.grant, now + options.max_proposal_age});
  open_[Key(digest)] = std::move(round);
  return reply("");
}

absl::StatusOr<std::string> FederationMember::AnnounceLocked(absl::string_view request,
                                                             Timestamp now) {
  CAIRN_ASSIGN_OR_RETURN(const SignedMessage message, DecodeSigned(request));
  CAIRN_ASSIGN_OR_RETURN(Announcement a, OpenAnnouncement(message, &roster_keys_));
  auto it = open_.find(Key(a.round));
  if (it == open_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no open round ", DigestHex(a.round), " (unknown, expired or finished)"));
  }
  OpenRound& round = *it->second;
  if (a.requester != round.proposal.requester) {
    return absl::PermissionDeniedError("the announcement is not signed by the round's requester");
  }
  if (round.stage != OpenRound::Stage::kCommitted) {
    open_.erase(it);
    return absl::FailedPreconditionError("the round was announced twice; it is abandoned");
  }
  // From here on any failure ends the round.
  auto fail = [&](absl::Status s) {
    open_.erase(Key(a.round));
    return s;
  };
  const Identity& self = *context_.identity;
  const uint64_t min_cohort = round.grant.federation->min_cohort;
  const uint64_t needed = std::max<uint64_t>(min_cohort, round.proposal.min_contributors);
  if (absl::StatusOr<CohortHash> h = HashCohort(a.cohort); !h.ok()) return fail(h.status());
  for (const PublicKey& member : a.cohort) {
    if (!Contains(round.proposal.cohort, member)) {
      return fail(absl::PermissionDeniedError(absl::StrCat(
          "the final cohort names ", member.fingerprint().ToString(), ", who was not proposed")));
    }
  }
  if (!Contains(a.cohort, self.public_key())) {
    return fail(absl::PermissionDeniedError("this member is not in the final cohort"));
  }
  if (a.cohort.size() < needed) {
    return fail(absl::PermissionDeniedError(absl::StrCat("the final cohort has ", a.cohort.size(),
                                                         " members; this round needs ", needed)));
  }
  if (absl::Status s = memory_.Check(MetricsOf(round.proposal.query), round.proposal.query.from,
                                     round.proposal.query.to, Fingerprints(a.cohort), min_cohort);
      !s.ok()) {
    return fail(s);
  }

  absl::StatusOr<LocalFigures> figures =
      ComputeLocalFigures(round.proposal.query, round.keys, round.grant, context_.local, Noise());
  if (!figures.ok()) return fail(figures.status());
  absl::StatusOr<RoundMasks> masks = RoundMasks::Derive(self, a.cohort, pair_keys_.get());
  if (!masks.ok()) return fail(masks.status());
  absl::StatusOr<SecretBytes> commitment_masks =
      masks->ScalarMask(StreamId(round.digest, Phase::kCounts), kCountCanaries + round.keys.size());
  if (!commitment_masks.ok()) return fail(commitment_masks.status());
  Contribution c{round.digest, masks->cohort_hash(), Phase::kCounts, self.public_key()};
  if (absl::Status s = CommitCounts(figures->contributes, *commitment_masks, &c); !s.ok()) {
    return fail(s);
  }

  // The commitments are a release of their own (under a privacy grant each bit comes from the
  // noisy count): the steward counts the round and spends its epsilon now, before they leave.
  const ReleaseNotice notice{round.requester,
                             round.proposal.consortium,
                             DigestHex(round.digest),
                             round.proposal.query,
                             round.grant.name,
                             Fingerprints(a.cohort),
                             0,
                             now};
  const Decision d = context_.steward->Admit(notice);
  if (!d.allowed) return fail(absl::PermissionDeniedError(d.reason));
  if (d.grant == nullptr || d.grant->name != round.grant.name) {
    return fail(
        absl::PermissionDeniedError(absl::StrCat("the policy changed during the round: grant '",
                                                 round.grant.name, "' no longer admits it")));
  }

  round.cohort = std::move(a.cohort);
  round.masks = *std::move(masks);
  round.figures = *std::move(figures);
  round.stage = OpenRound::Stage::kCountsSent;
  return EncodeSigned(SignContribution(self, c));
}

absl::StatusOr<std::string> FederationMember::ValuesLocked(absl::string_view request,
                                                           Timestamp now) {
  CAIRN_ASSIGN_OR_RETURN(const ValuesRequest r, DecodeValuesRequest(request));
  auto it = open_.find(Key(r.round));
  if (it == open_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no open round ", DigestHex(r.round), " (unknown, expired or finished)"));
  }
  // Whatever happens now, the round ends with this call.
  std::unique_ptr<OpenRound> round = std::move(it->second);
  open_.erase(it);
  if (round->stage != OpenRound::Stage::kCountsSent) {
    return absl::FailedPreconditionError("values asked for before the counts; round abandoned");
  }
  const Proposal& p = round->proposal;
  if (r.counts.size() != round->cohort.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the values request carries ", r.counts.size(),
                                                   " count contributions for a cohort of ",
                                                   round->cohort.size()));
  }
  // Every member's count contribution, checked and opened here: the requester cannot make this
  // member believe a group has more contributors than it has, and neither can a member.
  std::vector<Contribution> counts;
  counts.reserve(r.counts.size());
  for (size_t i = 0; i < r.counts.size(); ++i) {
    CAIRN_ASSIGN_OR_RETURN(
        Contribution c,
        OpenMemberContribution(r.counts[i], round->cohort[i], round->digest,
                               round->masks->cohort_hash(), Phase::kCounts, round->keys.size()));
    counts.push_back(std::move(c));
  }
  CAIRN_ASSIGN_OR_RETURN(const std::vector<uint32_t> contributors, OpenCounts(counts, round->keys));
  const std::vector<size_t> released = ReleasedGroups(contributors, p.min_contributors);
  // This member's share of the proofs that decide a release, drawn now that it holds them.
  CsprngSource csprng;
  CAIRN_RETURN_IF_ERROR(VerifyCountProofs(counts, round->keys, released,
                                          VerificationShare(counts.size(), p.min_contributors),
                                          &public_key(), csprng)
                            .status());

  // The release: differencing rule (again: other rounds may have finished meanwhile), the
  // steward's record of it, then the memory.
  const uint64_t min_cohort = round->grant.federation->min_cohort;
  const std::vector<Fingerprint> cohort = Fingerprints(round->cohort);
  CAIRN_RETURN_IF_ERROR(
      memory_.Check(MetricsOf(p.query), p.query.from, p.query.to, cohort, min_cohort));
  ReleaseNotice notice{round->requester,  p.consortium, DigestHex(round->digest), p.query,
                       round->grant.name, cohort,       released.size(),          now};
  const Decision d = context_.steward->RecordRelease(notice);
  if (!d.allowed) return absl::PermissionDeniedError(d.reason);
  if (d.grant == nullptr || d.grant->name != round->grant.name) {
    return absl::PermissionDeniedError(absl::StrCat("the policy changed during the round: grant '",
                                                    round->grant.name, "' no longer admits it"));
  }
  memory_.Record(MetricsOf(p.query), p.query.from, p.query.to, cohort, now);

  const Identity& self = *context_.identity;
  Contribution c{round->digest, round->masks->cohort_hash(), Phase::kValues, self.public_key(),
                 ValueVector(round->figures, released)};
  CAIRN_ASSIGN_OR_RETURN(
      const std::vector<uint64_t> mask,
      round->masks->Mask(StreamId(round->digest, Phase::kValues, CountTranscript(r.counts)),
                         c.words.size()));
  ApplyMask(mask, &c.words);
  return EncodeSigned(SignContribution(self, c));
}

}  // namespace cairn
