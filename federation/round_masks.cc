// Per-round pairwise masks; see round_masks.h.
#include "federation/round_masks.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace cairn {

std::string StreamId(const RoundDigest& round, Phase phase, absl::string_view transcript) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, crypto_generichash_BYTES);
  constexpr absl::string_view kLabel = "cairn/federation/mask-stream/v1";
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(kLabel.data()), kLabel.size());
  crypto_generichash_update(&state, round.data(), round.size());
  const uint8_t phase_byte = phase == Phase::kCounts ? 0 : 1;
  crypto_generichash_update(&state, &phase_byte, 1);
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(transcript.data()),
                            transcript.size());
  uint8_t digest[crypto_generichash_BYTES];
  crypto_generichash_final(&state, digest, sizeof(digest));
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

absl::StatusOr<RoundMasks> RoundMasks::Derive(const Identity& self,
                                              absl::Span<const PublicKey> cohort) {
  RoundMasks masks;
  CAIRN_ASSIGN_OR_RETURN(masks.cohort_hash_, HashCohort(cohort));
  if (std::find(cohort.begin(), cohort.end(), self.public_key()) == cohort.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(self.fingerprint().ToString(), " is not a member of the cohort"));
  }
  masks.peers_.reserve(cohort.size() - 1);
  for (const PublicKey& peer : cohort) {
    if (peer == self.public_key()) continue;
    CAIRN_ASSIGN_OR_RETURN(PairKey key, DerivePairKey(self, peer));
    masks.peers_.push_back(Peer{std::move(key), self.fingerprint() < peer.fingerprint()});
  }
  return masks;
}

absl::StatusOr<std::vector<uint64_t>> RoundMasks::Mask(absl::string_view stream_id,
                                                       size_t count) const {
  std::vector<uint64_t> mask(count, 0);
  for (const Peer& peer : peers_) {
    CAIRN_ASSIGN_OR_RETURN(const std::vector<uint64_t> stream,
                           PairMaskStream(peer.key, stream_id, cohort_hash_, count));
    if (peer.add) {
      for (size_t i = 0; i < count; ++i) mask[i] += stream[i];
    } else {
      for (size_t i = 0; i < count; ++i) mask[i] -= stream[i];
    }
  }
  return mask;
}

}  // namespace cairn
