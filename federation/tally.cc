// Vectors of a round and how they add up; see tally.h.
#include "federation/tally.h"

#include <sodium.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "federation/count_phase.h"

namespace cairn {
namespace {

void AppendCanary(std::vector<uint64_t>* words) {
  words->push_back(1);
  words->push_back(0);
  words->push_back(0);
}

absl::Status CheckCanary(absl::Span<const uint64_t> sum, size_t members) {
  if (sum.size() < kCanaryWords || sum[0] != members || sum[1] != 0 || sum[2] != 0) {
    return absl::DataLossError(
        "the contributions do not add up: the masks did not cancel (a member saw another "
        "cohort or round, or a contribution was altered)");
  }
  return absl::OkStatus();
}

}  // namespace

size_t ValueWords(size_t released_groups, size_t components) {
  return kCanaryWords + released_groups * components * kLimbs;
}

std::vector<uint64_t> ValueVector(const LocalFigures& figures, absl::Span<const size_t> released) {
  const size_t components = figures.components.empty() ? 0 : figures.components[0].size();
  std::vector<uint64_t> words;
  words.reserve(ValueWords(released.size(), components));
  AppendCanary(&words);
  for (size_t g : released) {
    for (Quanta q : figures.components[g]) AppendLimbs(q, &words);
  }
  return words;
}

void ApplyMask(absl::Span<const uint64_t> mask, std::vector<uint64_t>* words) {
  for (size_t i = 0; i < words->size() && i < mask.size(); ++i) (*words)[i] += mask[i];
}

absl::StatusOr<Contribution> OpenMemberContribution(const SignedMessage& message,
                                                    const PublicKey& member,
                                                    const RoundDigest& round,
                                                    const CohortHash& cohort_hash, Phase phase,
                                                    size_t length) {
  const std::string who = member.fingerprint().ToString();
  const KnownKeys expected({member});
  absl::StatusOr<Contribution> c = OpenContribution(message, &expected);
  if (!c.ok()) {
    return absl::Status(c.status().code(),
                        absl::StrCat("the ", PhaseName(phase), " contribution of ", who, ": ",
                                     c.status().message()));
  }
  auto mismatch = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", PhaseName(phase), " contribution of ", who, " ", what));
  };
  if (c->member != member) return mismatch("is signed by another member");
  if (c->round != round) return mismatch("belongs to another round");
  if (c->phase != phase) return mismatch("is for the other phase");
  if (c->cohort_hash != cohort_hash) return mismatch("was computed for another cohort");
  if (phase == Phase::kValues && c->words.size() != length) {
    return mismatch(absl::StrCat("has ", c->words.size(), " words, not ", length));
  }
  if (phase == Phase::kCounts && (c->commitments.size() != kCountCanaries + length ||
                                  c->proofs.size() != length || !c->words.empty())) {
    return mismatch(absl::StrCat("has ", c->commitments.size(), " commitments and ",
                                 c->proofs.size(), " proofs, not ", kCountCanaries + length,
                                 " and ", length));
  }
  return c;
}

std::string CountTranscript(absl::Span<const SignedMessage> counts) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, crypto_generichash_BYTES);
  auto add = [&](absl::string_view bytes) {
    const uint64_t n = bytes.size();
    uint8_t len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
    crypto_generichash_update(&state, len, sizeof(len));
    crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(bytes.data()), n);
  };
  add("cairn/federation/count-transcript/v1");
  for (const SignedMessage& m : counts) {
    add(m.body);
    add(m.signature);
  }
  uint8_t digest[crypto_generichash_BYTES];
  crypto_generichash_final(&state, digest, sizeof(digest));
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

absl::StatusOr<std::vector<uint64_t>> AddUp(absl::Span<const Contribution> contributions) {
  if (contributions.empty()) return std::vector<uint64_t>();
  std::vector<uint64_t> sum(contributions[0].words.size(), 0);
  for (const Contribution& c : contributions) {
    if (c.words.size() != sum.size()) {
      return absl::InvalidArgumentError("contributions of one phase differ in length");
    }
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += c.words[i];
  }
  return sum;
}

std::vector<size_t> ReleasedGroups(absl::Span<const uint32_t> contributors,
                                   uint32_t min_contributors) {
  std::vector<size_t> released;
  for (size_t g = 0; g < contributors.size(); ++g) {
    if (contributors[g] >= min_contributors) released.push_back(g);
  }
  return released;
}

absl::StatusOr<std::vector<FederatedRow>> RowsFromSums(const Query& query, const KeySpace& keys,
                                                       absl::Span<const uint32_t> contributors,
                                                       absl::Span<const size_t> released,
                                                       absl::Span<const uint64_t> value_sum,
                                                       size_t members) {
  const size_t components = ComponentsOf(query).size();
  if (value_sum.size() != ValueWords(released.size(), components)) {
    return absl::InternalError("the value sum does not match the released groups");
  }
  CAIRN_RETURN_IF_ERROR(CheckCanary(value_sum, members));
  std::vector<FederatedRow> rows;
  size_t next_released = 0;
  for (size_t g = 0; g < keys.size(); ++g) {
    if (contributors[g] == 0) continue;
    GroupKey key = keys.KeyAt(g);
    FederatedRow row;
    row.bucket = key.bucket;
    row.tags = std::move(key.tags);
    row.contributors = contributors[g];
    if (next_released < released.size() && released[next_released] == g) {
      row.released = true;
      const size_t base = kCanaryWords + next_released * components * kLimbs;
      for (size_t c = 0; c < components; ++c) {
        CAIRN_ASSIGN_OR_RETURN(Quanta total,
                               FromLimbSums(value_sum.subspan(base + c * kLimbs, kLimbs), members));
        row.totals.push_back(total);
      }
      switch (query.aggregate) {
        case Aggregate::kSum:
        case Aggregate::kCount:
          row.value = QuantaToDouble(row.totals[0]);
          break;
        case Aggregate::kMean:
        case Aggregate::kRatio:
          if (row.totals[1] != 0) {
            row.value = QuantaToDouble(row.totals[0]) / QuantaToDouble(row.totals[1]);
          }
          break;
        case Aggregate::kMin:
        case Aggregate::kMax:
          return absl::InternalError("min and max are never federated");
      }
      ++next_released;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace cairn
