// Recomputing a published federated result; see verify.h.
#include "federation/verify.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "federation/count_phase.h"
#include "federation/tally.h"

namespace cairn {
namespace {

absl::StatusOr<std::vector<Contribution>> OpenPhase(const std::vector<SignedMessage>& messages,
                                                    const std::vector<PublicKey>& cohort,
                                                    const RoundDigest& round,
                                                    const CohortHash& cohort_hash, Phase phase,
                                                    size_t length) {
  if (messages.size() != cohort.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the result carries ", messages.size(), " ",
                                                   PhaseName(phase), " contributions for ",
                                                   cohort.size(), " members"));
  }
  std::vector<Contribution> out;
  for (size_t i = 0; i < messages.size(); ++i) {
    CAIRN_ASSIGN_OR_RETURN(Contribution c, OpenMemberContribution(messages[i], cohort[i], round,
                                                                  cohort_hash, phase, length));
    out.push_back(std::move(c));
  }
  return out;
}

std::string DescribeRow(const FederatedRow& row) {
  return absl::StrCat(row.bucket ? absl::StrCat(FormatTimestamp(*row.bucket), " ") : "", "[",
                      absl::StrJoin(row.tags, ", "), "]");
}

}  // namespace

absl::Status VerifyFederatedResult(const FederatedResult& result, const ConsortiumRoster& roster) {
  const KnownKeys roster_keys(roster.KnownPublicKeys());
  CAIRN_ASSIGN_OR_RETURN(const Proposal p, OpenProposal(result.proposal, &roster_keys));
  if (p.consortium != roster.consortium()) {
    return absl::PermissionDeniedError(absl::StrCat("the round is of consortium ", p.consortium,
                                                    ", the roster of ", roster.consortium()));
  }
  if (!roster.Contains(p.requester)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the requester ", p.requester.fingerprint().ToString(), " is not on the roster"));
  }
  CAIRN_RETURN_IF_ERROR(ValidateProposal(p, nullptr));
  CAIRN_ASSIGN_OR_RETURN(const KeySpace keys, KeySpace::Make(p.query, p.group_values));
  const RoundDigest digest = DigestProposal(result.proposal.body);

  const KnownKeys cohort_keys(p.cohort);
  CAIRN_ASSIGN_OR_RETURN(const Announcement a, OpenAnnouncement(result.announcement, &cohort_keys));
  if (a.requester != p.requester) {
    return absl::InvalidArgumentError("the announcement is not the requester's");
  }
  if (a.round != digest) return absl::InvalidArgumentError("the announcement is for another round");
  for (const PublicKey& member : a.cohort) {
    if (std::find(p.cohort.begin(), p.cohort.end(), member) == p.cohort.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("final member ", member.fingerprint().ToString(), " was not proposed"));
    }
    if (!roster.Contains(member)) {
      return absl::PermissionDeniedError(
          absl::StrCat("final member ", member.fingerprint().ToString(), " is not on the roster"));
    }
  }
  if (a.cohort.size() < std::max<size_t>(2, p.min_contributors)) {
    return absl::InvalidArgumentError(absl::StrCat("the final cohort has ", a.cohort.size(),
                                                   " members, fewer than the round needs"));
  }
  CAIRN_ASSIGN_OR_RETURN(const CohortHash cohort_hash, HashCohort(a.cohort));

  CAIRN_ASSIGN_OR_RETURN(
      const std::vector<Contribution> counts,
      OpenPhase(result.counts, a.cohort, digest, cohort_hash, Phase::kCounts, keys.size()));
  CAIRN_ASSIGN_OR_RETURN(const std::vector<uint32_t> contributors, OpenCounts(counts, keys));
  const std::vector<size_t> released = ReleasedGroups(contributors, p.min_contributors);
  CsprngSource unused;  // share 1: nothing is drawn
  CAIRN_RETURN_IF_ERROR(VerifyCountProofs(counts, keys, released, 1.0, nullptr, unused).status());
  CAIRN_ASSIGN_OR_RETURN(const std::vector<Contribution> values,
                         OpenPhase(result.values, a.cohort, digest, cohort_hash, Phase::kValues,
                                   ValueWords(released.size(), ComponentsOf(p.query).size())));
  CAIRN_ASSIGN_OR_RETURN(const std::vector<uint64_t> value_sum, AddUp(values));
  CAIRN_ASSIGN_OR_RETURN(
      const std::vector<FederatedRow> rows,
      RowsFromSums(p.query, keys, contributors, released, value_sum, a.cohort.size()));

  if (rows.size() != result.rows.size()) {
    return absl::DataLossError(absl::StrCat("the result publishes ", result.rows.size(),
                                            " groups; its contributions give ", rows.size()));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!(rows[i] == result.rows[i])) {
      return absl::DataLossError(absl::StrCat("the published group ", DescribeRow(result.rows[i]),
                                              " differs from what its contributions give"));
    }
  }
  return absl::OkStatus();
}

}  // namespace cairn
