// ristretto255 points and scalars over libsodium; see ristretto.h.
#include "crypto/ristretto.h"

#include <sodium.h>

#include <cstring>

#include "absl/strings/string_view.h"
#include "crypto/csprng.h"

namespace cairn {
namespace {

static_assert(crypto_core_ristretto255_BYTES == kPointBytes);
static_assert(crypto_core_ristretto255_SCALARBYTES == kScalarBytes);
static_assert(crypto_core_ristretto255_NONREDUCEDSCALARBYTES == kWideScalarBytes);
static_assert(crypto_core_ristretto255_HASHBYTES == 64);

// l, little-endian.
constexpr uint8_t kOrder[kScalarBytes] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

absl::Status NotAPoint() {
  return absl::InvalidArgumentError("not the canonical encoding of a ristretto255 point");
}

}  // namespace

const RistrettoPoint& GeneratorH() {
  static const RistrettoPoint* h = [] {
    (void)InitCrypto();  // aborts in RandomBytes' way if it cannot start; nothing random here
    constexpr absl::string_view kLabel = "cairn/pedersen/H/v1";
    uint8_t hash[crypto_core_ristretto255_HASHBYTES];
    crypto_generichash(hash, sizeof(hash), reinterpret_cast<const uint8_t*>(kLabel.data()),
                       kLabel.size(), nullptr, 0);
    auto* point = new RistrettoPoint;
    crypto_core_ristretto255_from_hash(point->data(), hash);
    return point;
  }();
  return *h;
}

absl::StatusOr<RistrettoPoint> AddPoints(const RistrettoPoint& a, const RistrettoPoint& b) {
  RistrettoPoint r;
  if (crypto_core_ristretto255_add(r.data(), a.data(), b.data()) != 0) return NotAPoint();
  return r;
}

absl::StatusOr<RistrettoPoint> SubtractPoints(const RistrettoPoint& a, const RistrettoPoint& b) {
  RistrettoPoint r;
  if (crypto_core_ristretto255_sub(r.data(), a.data(), b.data()) != 0) return NotAPoint();
  return r;
}

absl::StatusOr<RistrettoPoint> MultiplyPoint(const uint8_t* s, const RistrettoPoint& p) {
  RistrettoPoint r;
  if (crypto_scalarmult_ristretto255(r.data(), s, p.data()) == 0) return r;
  // libsodium also refuses a result that is the identity (s = 0, or p the identity).
  if (crypto_core_ristretto255_is_valid_point(p.data()) != 1) return NotAPoint();
  return IdentityPoint();
}

RistrettoPoint MultiplyBase(const uint8_t* s) {
  RistrettoPoint r;
  // Fails only when s = 0 mod l, whose product is the identity.
  if (crypto_scalarmult_ristretto255_base(r.data(), s) != 0) return IdentityPoint();
  return r;
}

bool IsCanonicalScalar(const uint8_t* s) {
  for (int i = kScalarBytes - 1; i >= 0; --i) {
    if (s[i] != kOrder[i]) return s[i] < kOrder[i];
  }
  return false;  // s = l
}

void ReduceWideScalar(const uint8_t* wide, uint8_t* out) {
  crypto_core_ristretto255_scalar_reduce(out, wide);
}

void AddScalars(const uint8_t* a, const uint8_t* b, uint8_t* out) {
  crypto_core_ristretto255_scalar_add(out, a, b);
}

void SubtractScalars(const uint8_t* a, const uint8_t* b, uint8_t* out) {
  crypto_core_ristretto255_scalar_sub(out, a, b);
}

void MultiplyScalars(const uint8_t* a, const uint8_t* b, uint8_t* out) {
  crypto_core_ristretto255_scalar_mul(out, a, b);
}

void RandomScalar(uint8_t* out) {
  SecretArray<kWideScalarBytes> wide;
  RandomBytes(wide.data(), wide.size());
  ReduceWideScalar(wide.data(), out);
}

Scalar ScalarOf(uint64_t k) {
  Scalar s{};
  for (int i = 0; i < 8; ++i) s[i] = static_cast<uint8_t>(k >> (8 * i));
  return s;
}

}  // namespace cairn
