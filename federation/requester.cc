// The requester side of a federated round; see requester.h.
#include "federation/requester.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "federation/count_phase.h"
#include "federation/tally.h"

namespace cairn {
namespace {

constexpr size_t kQueryIdBytes = 32;

// A member that could not be reached or did not answer: a drop-out, not a refusal.
bool IsDropOut(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kDeadlineExceeded ||
         s.code() == absl::StatusCode::kCancelled;
}

std::string Describe(const std::vector<RoundReport::MemberIssue>& issues) {
  return absl::StrJoin(issues, "; ", [](std::string* out, const RoundReport::MemberIssue& i) {
    absl::StrAppend(out, i.member.fingerprint().ToString(), ": ", i.status.message());
  });
}

struct Collected {
  std::vector<SignedMessage> messages;
  std::vector<Contribution> contributions;
};

// Checks every member's reply for one phase. Any member missing fails the phase: the sum of
// the others is masked garbage, and nothing partial is ever computed from it.
absl::StatusOr<Collected> CollectPhase(const std::vector<absl::StatusOr<std::string>>& replies,
                                       const std::vector<PublicKey>& cohort,
                                       const RoundDigest& round, const CohortHash& cohort_hash,
                                       FederationCall call, Phase phase, size_t words,
                                       RoundReport* report) {
  std::vector<RoundReport::MemberIssue> dropped, refused;
  for (size_t i = 0; i < replies.size(); ++i) {
    if (replies[i].ok()) continue;
    (IsDropOut(replies[i].status()) ? dropped : refused)
        .push_back({cohort[i], call, replies[i].status()});
  }
  report->dropped.insert(report->dropped.end(), dropped.begin(), dropped.end());
  report->refused.insert(report->refused.end(), refused.begin(), refused.end());
  if (!dropped.empty()) {
    return absl::UnavailableError(
        absl::StrCat(dropped.size(), " of ", cohort.size(), " members did not deliver their ",
                     PhaseName(phase), ", so the round failed and no total was computed (",
                     Describe(dropped), "); retry with a new round without them"));
  }
  if (!refused.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(refused.size(), " members refused to deliver their ", PhaseName(phase),
                     ", so the round failed: ", Describe(refused)));
  }
  Collected out;
  for (size_t i = 0; i < replies.size(); ++i) {
    absl::StatusOr<SignedMessage> m = DecodeSigned(*replies[i]);
    if (!m.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("the ", PhaseName(phase), " reply of ",
                                                     cohort[i].fingerprint().ToString(), ": ",
                                                     m.status().message()));
    }
    CAIRN_ASSIGN_OR_RETURN(Contribution c,
                           OpenMemberContribution(*m, cohort[i], round, cohort_hash, phase, words));
    out.messages.push_back(*std::move(m));
    out.contributions.push_back(std::move(c));
  }
  return out;
}

// The transport's Broadcast, checked to return one reply per member.
absl::StatusOr<std::vector<absl::StatusOr<std::string>>> Call(FederationTransport& transport,
                                                              FederationCall call,
                                                              absl::Span<const PublicKey> members,
                                                              absl::string_view request) {
  std::vector<absl::StatusOr<std::string>> replies = transport.Broadcast(call, members, request);
  if (replies.size() != members.size()) {
    return absl::InternalError(absl::StrCat("the transport returned ", replies.size(),
                                            " replies to ", FederationCallName(call), " for ",
                                            members.size(), " members"));
  }
  return replies;
}

std::string FreshQueryId() {
  std::string id(kQueryIdBytes, '\0');
  RandomBytes(id.data(), id.size());
  return id;
}

}  // namespace

absl::StatusOr<FederatedResult> RunFederatedRound(const Identity& requester,
                                                  const ConsortiumRoster& roster,
                                                  FederationTransport& transport,
                                                  const RoundRequest& request, Timestamp now,
                                                  RoundReport* report, std::string query_id) {
  RoundReport scratch;
  RoundReport& rep = report != nullptr ? *report : scratch;
  rep.attempts += 1;
  for (const PublicKey& member : request.cohort) {
    if (!roster.Contains(member)) {
      return absl::InvalidArgumentError(
          absl::StrCat("proposed member ", member.fingerprint().ToString(),
                       " is not on the roster of consortium ", roster.consortium()));
    }
  }
  Proposal p{roster.consortium(), query_id.empty() ? FreshQueryId() : std::move(query_id),
             requester.public_key()};
  p.issued_at = now;
  p.query = request.query;
  p.group_values = request.group_values;
  p.min_contributors = request.min_contributors;
  p.cohort = request.cohort;
  CAIRN_RETURN_IF_ERROR(ValidateProposal(p, nullptr));
  CAIRN_ASSIGN_OR_RETURN(const KeySpace keys, KeySpace::Make(p.query, p.group_values));

  // Steps 1 and 2: propose; the members that accept form the final cohort.
  FederatedResult result;
  result.proposal = SignProposal(requester, p);
  const RoundDigest digest = DigestProposal(result.proposal.body);
  CAIRN_ASSIGN_OR_RETURN(
      const std::vector<absl::StatusOr<std::string>> commitments,
      Call(transport, FederationCall::kPropose, p.cohort, EncodeSigned(result.proposal)));
  const KnownKeys known(p.cohort);
  std::vector<PublicKey> cohort;
  for (size_t i = 0; i < p.cohort.size(); ++i) {
    const PublicKey& member = p.cohort[i];
    if (!commitments[i].ok()) {
      rep.dropped.push_back({member, FederationCall::kPropose, commitments[i].status()});
      continue;
    }
    absl::StatusOr<Commitment> c = [&]() -> absl::StatusOr<Commitment> {
      CAIRN_ASSIGN_OR_RETURN(const SignedMessage m, DecodeSigned(*commitments[i]));
      return OpenCommitment(m, &known);
    }();
    if (c.ok() && (c->member != member || c->round != digest)) {
      c = absl::InvalidArgumentError("the commitment is for another member or round");
    }
    if (!c.ok()) {
      rep.refused.push_back({member, FederationCall::kPropose, c.status()});
    } else if (!c->accepted) {
      rep.refused.push_back(
          {member, FederationCall::kPropose, absl::PermissionDeniedError(c->reason)});
    } else {
      cohort.push_back(member);
    }
  }
  const size_t needed = std::max<size_t>(2, p.min_contributors);
  if (cohort.size() < needed) {
    std::vector<RoundReport::MemberIssue> issues = rep.refused;
    issues.insert(issues.end(), rep.dropped.begin(), rep.dropped.end());
    return absl::FailedPreconditionError(absl::StrCat(cohort.size(), " of ", p.cohort.size(),
                                                      " members accepted; the round needs ", needed,
                                                      ": ", Describe(issues)));
  }
  rep.final_cohort = cohort;

  // Step 3: announce the final cohort; collect the masked counts.
  result.announcement =
      SignAnnouncement(requester, Announcement{digest, requester.public_key(), cohort});
  CAIRN_ASSIGN_OR_RETURN(const CohortHash cohort_hash, HashCohort(cohort));
  CAIRN_ASSIGN_OR_RETURN(
      const std::vector<absl::StatusOr<std::string>> count_replies,
      Call(transport, FederationCall::kAnnounce, cohort, EncodeSigned(result.announcement)));
  CAIRN_ASSIGN_OR_RETURN(
      Collected counts, CollectPhase(count_replies, cohort, digest, cohort_hash,
                                     FederationCall::kAnnounce, Phase::kCounts, keys.size(), &rep));
  CAIRN_ASSIGN_OR_RETURN(const std::vector<uint32_t> contributors,
                         OpenCounts(counts.contributions, keys));
  const std::vector<size_t> released = ReleasedGroups(contributors, p.min_contributors);
  // Everything the result will rest on is checked here, before any member sends figures.
  CsprngSource unused;  // share 1: nothing is drawn
  CAIRN_RETURN_IF_ERROR(
      VerifyCountProofs(counts.contributions, keys, released, 1.0, nullptr, unused).status());

  // Step 4: every member gets all counts, checks them, and sends its masked figures.
  const ValuesRequest values_request{digest, counts.messages};
  CAIRN_ASSIGN_OR_RETURN(
      const std::vector<absl::StatusOr<std::string>> value_replies,
      Call(transport, FederationCall::kValues, cohort, EncodeValuesRequest(values_request)));
  CAIRN_ASSIGN_OR_RETURN(
      Collected values,
      CollectPhase(value_replies, cohort, digest, cohort_hash, FederationCall::kValues,
                   Phase::kValues, ValueWords(released.size(), ComponentsOf(p.query).size()),
                   &rep));
  CAIRN_ASSIGN_OR_RETURN(const std::vector<uint64_t> value_sum, AddUp(values.contributions));
  CAIRN_ASSIGN_OR_RETURN(
      result.rows, RowsFromSums(p.query, keys, contributors, released, value_sum, cohort.size()));
  result.counts = std::move(counts.messages);
  result.values = std::move(values.messages);
  return result;
}

absl::StatusOr<FederatedResult> RunFederatedRoundWithRetry(const Identity& requester,
                                                           const ConsortiumRoster& roster,
                                                           FederationTransport& transport,
                                                           RoundRequest request, Timestamp now,
                                                           int max_attempts, RoundReport* report) {
  RoundReport scratch;
  RoundReport& rep = report != nullptr ? *report : scratch;
  absl::Status last = absl::InvalidArgumentError("max_attempts must be at least 1");
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    const size_t dropped_before = rep.dropped.size();
    absl::StatusOr<FederatedResult> result =
        RunFederatedRound(requester, roster, transport, request, now, &rep);
    if (result.ok() || result.status().code() != absl::StatusCode::kUnavailable) return result;
    last = result.status();
    // Without the members that dropped out, in this attempt, at any step.
    std::vector<PublicKey> gone;
    for (size_t i = dropped_before; i < rep.dropped.size(); ++i) {
      gone.push_back(rep.dropped[i].member);
    }
    auto& c = request.cohort;
    c.erase(std::remove_if(c.begin(), c.end(),
                           [&](const PublicKey& k) {
                             return std::find(gone.begin(), gone.end(), k) != gone.end();
                           }),
            c.end());
    if (gone.empty()) break;
    if (c.size() < std::max<size_t>(2, request.min_contributors)) {
      return absl::FailedPreconditionError(absl::StrCat(
          last.message(), "; only ", c.size(), " members are left, too few for another round"));
    }
  }
  return last;
}

}  // namespace cairn
