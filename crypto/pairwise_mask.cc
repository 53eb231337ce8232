// Pairwise secure-aggregation masks; see pairwise_mask.h.
#include "crypto/pairwise_mask.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "crypto/identity_keys.h"

namespace cairn {
namespace {

// Domain-separation labels: a hash for one purpose can never equal one for another.
constexpr absl::string_view kPairKeyLabel = "cairn-pairwise-key-v1";
constexpr absl::string_view kCohortLabel = "cairn-cohort-v1";
constexpr absl::string_view kStreamLabel = "cairn-mask-stream-v1";
constexpr absl::string_view kScalarStreamLabel = "cairn-scalar-stream-v1";

// Multi-part BLAKE2b-256.
class Blake2b {
 public:
  explicit Blake2b(const uint8_t* key = nullptr, size_t key_len = 0) {
    crypto_generichash_init(&state_, key, key_len, crypto_generichash_BYTES);
  }
  ~Blake2b() { sodium_memzero(&state_, sizeof(state_)); }
  Blake2b& Add(absl::string_view bytes) {
    crypto_generichash_update(&state_, reinterpret_cast<const uint8_t*>(bytes.data()),
                              bytes.size());
    return *this;
  }
  Blake2b& Add(const uint8_t* bytes, size_t len) {
    crypto_generichash_update(&state_, bytes, len);
    return *this;
  }
  // Length-prefixed (u32 little-endian), so that adjacent fields cannot run into each other.
  Blake2b& AddField(absl::string_view bytes) {
    const uint32_t n = static_cast<uint32_t>(bytes.size());
    const uint8_t len[4] = {static_cast<uint8_t>(n), static_cast<uint8_t>(n >> 8),
                            static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 24)};
    return Add(len, sizeof(len)).Add(bytes);
  }
  void Finish(uint8_t* out) { crypto_generichash_final(&state_, out, crypto_generichash_BYTES); }

 private:
  crypto_generichash_state state_;
};

bool FingerprintLess(const PublicKey& a, const PublicKey& b) {
  return a.fingerprint() < b.fingerprint();
}

absl::Status CheckQueryId(absl::string_view query_id) {
  if (query_id.empty() || query_id.size() > kMaxQueryIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("query id must have 1..", kMaxQueryIdBytes, " bytes, got ", query_id.size()));
  }
  return absl::OkStatus();
}

// `bytes` bytes of the pair's stream `label` for the round. A subkey per round and label, so
// the stream's nonce can be fixed: no two rounds or kinds of mask share a key.
SecretBytes RoundStream(const PairKey& key, absl::string_view label, absl::string_view query_id,
                        const CohortHash& cohort, size_t bytes) {
  SecretArray<crypto_stream_xchacha20_KEYBYTES> round_key;
  static_assert(crypto_stream_xchacha20_KEYBYTES == crypto_generichash_BYTES);
  Blake2b(key.secret().data(), key.secret().size())
      .AddField(label)
      .AddField(query_id)
      .Add(cohort.data(), cohort.size())
      .Finish(round_key.data());
  SecretBytes stream(bytes);
  static const uint8_t kZeroNonce[crypto_stream_xchacha20_NONCEBYTES] = {};
  if (bytes > 0) {
    crypto_stream_xchacha20(stream.data(), stream.size(), kZeroNonce, round_key.data());
  }
  return stream;
}

}  // namespace

absl::StatusOr<PairKey> DerivePairKey(const Identity& self, const PublicKey& peer) {
  CAIRN_RETURN_IF_ERROR(InitCrypto());
  if (peer == self.public_key()) {
    return absl::InvalidArgumentError("a pairwise key needs two different identities");
  }
  SecretArray<crypto_scalarmult_curve25519_SCALARBYTES> own_x25519;
  uint8_t peer_x25519[crypto_scalarmult_curve25519_BYTES];
  if (crypto_sign_ed25519_sk_to_curve25519(
          own_x25519.data(), crypto_internal::IdentityKeys::SecretKey(self).data()) != 0 ||
      crypto_sign_ed25519_pk_to_curve25519(peer_x25519, peer.bytes().data()) != 0) {
    return absl::InternalError(absl::StrCat("cannot convert the Ed25519 key of ",
                                            peer.fingerprint().ToString(), " to X25519"));
  }
  SecretArray<crypto_scalarmult_curve25519_BYTES> shared;
  if (crypto_scalarmult_curve25519(shared.data(), own_x25519.data(), peer_x25519) != 0) {
    return absl::InternalError(
        absl::StrCat("X25519 with ", peer.fingerprint().ToString(), " gave the all-zero point"));
  }
  const bool self_first = FingerprintLess(self.public_key(), peer);
  const PublicKey& first = self_first ? self.public_key() : peer;
  const PublicKey& second = self_first ? peer : self.public_key();

  PairKey key;
  Blake2b()
      .AddField(kPairKeyLabel)
      .Add(shared.data(), shared.size())
      .Add(first.AsStringView())
      .Add(second.AsStringView())
      .Finish(key.key_.data());
  return key;
}

absl::StatusOr<CohortHash> HashCohort(absl::Span<const PublicKey> members) {
  if (members.size() < 2 || members.size() > kMaxCohortMembers) {
    return absl::InvalidArgumentError(
        absl::StrCat("a cohort has 2..", kMaxCohortMembers, " members, got ", members.size()));
  }
  CAIRN_RETURN_IF_ERROR(InitCrypto());
  std::vector<PublicKey> sorted(members.begin(), members.end());
  std::sort(sorted.begin(), sorted.end(), FingerprintLess);
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i] == sorted[i - 1]) {
      return absl::InvalidArgumentError(
          absl::StrCat("cohort lists ", sorted[i].fingerprint().ToString(), " more than once"));
    }
  }
  Blake2b hash;
  hash.AddField(kCohortLabel).AddField(absl::StrCat(sorted.size()));
  for (const PublicKey& member : sorted) hash.Add(member.AsStringView());
  CohortHash out;
  hash.Finish(out.data());
  return out;
}

absl::StatusOr<std::vector<uint64_t>> PairMaskStream(const PairKey& key, absl::string_view query_id,
                                                     const CohortHash& cohort, size_t count) {
  CAIRN_RETURN_IF_ERROR(CheckQueryId(query_id));
  if (count > kMaxMaskValues) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxMaskValues, " mask values per round, asked for ", count));
  }
  CAIRN_RETURN_IF_ERROR(InitCrypto());
  const SecretBytes stream =
      RoundStream(key, kStreamLabel, query_id, cohort, count * sizeof(uint64_t));
  std::vector<uint64_t> values(count);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* p = stream.data() + 8 * i;
    uint64_t v = 0;
    for (int b = 7; b >= 0; --b) v = (v << 8) | p[b];  // little-endian on every host
    values[i] = v;
  }
  return values;
}

absl::StatusOr<SecretBytes> PairScalarStream(const PairKey& key, absl::string_view query_id,
                                             const CohortHash& cohort, size_t count) {
  CAIRN_RETURN_IF_ERROR(CheckQueryId(query_id));
  if (count > kMaxMaskScalars) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxMaskScalars, " mask scalars per round, asked for ", count));
  }
  CAIRN_RETURN_IF_ERROR(InitCrypto());
  const SecretBytes stream =
      RoundStream(key, kScalarStreamLabel, query_id, cohort, count * kWideScalarBytes);
  SecretBytes scalars(count * kScalarBytes);
  for (size_t i = 0; i < count; ++i) {
    ReduceWideScalar(stream.data() + i * kWideScalarBytes, scalars.data() + i * kScalarBytes);
  }
  return scalars;
}

absl::StatusOr<std::vector<uint64_t>> CohortMask(const Identity& self,
                                                 absl::Span<const PublicKey> cohort,
                                                 absl::string_view query_id, size_t count) {
  CAIRN_ASSIGN_OR_RETURN(const CohortHash cohort_hash, HashCohort(cohort));
  if (std::find(cohort.begin(), cohort.end(), self.public_key()) == cohort.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(self.fingerprint().ToString(), " is not a member of the cohort"));
  }
  std::vector<uint64_t> mask(count, 0);
  for (const PublicKey& peer : cohort) {
    if (peer == self.public_key()) continue;
    CAIRN_ASSIGN_OR_RETURN(const PairKey key, DerivePairKey(self, peer));
    CAIRN_ASSIGN_OR_RETURN(const std::vector<uint64_t> stream,
                           PairMaskStream(key, query_id, cohort_hash, count));
    const bool add = FingerprintLess(self.public_key(), peer);
    for (size_t i = 0; i < count; ++i) mask[i] = add ? mask[i] + stream[i] : mask[i] - stream[i];
  }
  return mask;
}

absl::StatusOr<SecretBytes> CohortScalarMask(const Identity& self,
                                             absl::Span<const PublicKey> cohort,
                                             absl::string_view query_id, size_t count) {
  CAIRN_ASSIGN_OR_RETURN(const CohortHash cohort_hash, HashCohort(cohort));
  if (std::find(cohort.begin(), cohort.end(), self.public_key()) == cohort.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(self.fingerprint().ToString(), " is not a member of the cohort"));
  }
  SecretBytes mask(count * kScalarBytes);
  for (const PublicKey& peer : cohort) {
    if (peer == self.public_key()) continue;
    CAIRN_ASSIGN_OR_RETURN(const PairKey key, DerivePairKey(self, peer));
    CAIRN_ASSIGN_OR_RETURN(const SecretBytes stream,
                           PairScalarStream(key, query_id, cohort_hash, count));
    const bool add = FingerprintLess(self.public_key(), peer);
    for (size_t i = 0; i < count; ++i) {
      uint8_t* z = mask.data() + i * kScalarBytes;
      const uint8_t* r = stream.data() + i * kScalarBytes;
      add ? AddScalars(z, r, z) : SubtractScalars(z, r, z);
    }
  }
  return mask;
}

}  // namespace cairn
