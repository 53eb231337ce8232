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

void PairKeys::Warm(absl::Span<const PublicKey> peers) {
  for (const PublicKey& peer : peers) {
    if (peer == self_.public_key()) continue;
    (void)Get(peer);  // a key that fails is refused again when a round uses it
  }
}

absl::StatusOr<std::shared_ptr<const PairKey>> PairKeys::Get(const PublicKey& peer) {
  const std::string id(peer.AsStringView());
  {
    absl::MutexLock lock(&mu_);
    auto it = keys_.find(id);
    if (it != keys_.end()) return it->second;
  }
  // Derived outside the lock: two threads may both derive a new key; both get the same value.
  CAIRN_ASSIGN_OR_RETURN(PairKey key, DerivePairKey(self_, peer));
  auto shared = std::make_shared<const PairKey>(std::move(key));
  absl::MutexLock lock(&mu_);
  if (keys_.size() < kMaxKept) keys_.emplace(id, shared);
  return shared;
}

size_t PairKeys::size() const {
  absl::MutexLock lock(&mu_);
  return keys_.size();
}

absl::StatusOr<RoundMasks> RoundMasks::Derive(const Identity& self,
                                              absl::Span<const PublicKey> cohort, PairKeys* keys) {
  RoundMasks masks;
  CAIRN_ASSIGN_OR_RETURN(masks.cohort_hash_, HashCohort(cohort));
  if (std::find(cohort.begin(), cohort.end(), self.public_key()) == cohort.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(self.fingerprint().ToString(), " is not a member of the cohort"));
  }
  masks.peers_.reserve(cohort.size() - 1);
  for (const PublicKey& peer : cohort) {
    if (peer == self.public_key()) continue;
    std::shared_ptr<const PairKey> key;
    if (keys != nullptr) {
      CAIRN_ASSIGN_OR_RETURN(key, keys->Get(peer));
    } else {
      CAIRN_ASSIGN_OR_RETURN(PairKey derived, DerivePairKey(self, peer));
      key = std::make_shared<const PairKey>(std::move(derived));
    }
    masks.peers_.push_back(Peer{std::move(key), self.fingerprint() < peer.fingerprint()});
  }
  return masks;
}

absl::StatusOr<std::vector<uint64_t>> RoundMasks::Mask(absl::string_view stream_id,
                                                       size_t count) const {
  std::vector<uint64_t> mask(count, 0);
  for (const Peer& peer : peers_) {
    CAIRN_ASSIGN_OR_RETURN(const std::vector<uint64_t> stream,
                           PairMaskStream(*peer.key, stream_id, cohort_hash_, count));
    if (peer.add) {
      for (size_t i = 0; i < count; ++i) mask[i] += stream[i];
    } else {
      for (size_t i = 0; i < count; ++i) mask[i] -= stream[i];
    }
  }
  return mask;
}

absl::StatusOr<SecretBytes> RoundMasks::ScalarMask(absl::string_view stream_id,
                                                   size_t count) const {
  SecretBytes mask(count * kScalarBytes);
  for (const Peer& peer : peers_) {
    CAIRN_ASSIGN_OR_RETURN(const SecretBytes stream,
                           PairScalarStream(*peer.key, stream_id, cohort_hash_, count));
    for (size_t i = 0; i < count; ++i) {
      uint8_t* z = mask.data() + i * kScalarBytes;
      const uint8_t* r = stream.data() + i * kScalarBytes;
      if (peer.add) {
        AddScalars(z, r, z);
      } else {
        SubtractScalars(z, r, z);
      }
    }
  }
  return mask;
}

}  // namespace cairn
