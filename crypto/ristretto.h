// The prime-order group ristretto255 (libsodium), in which the federation's contributor bits
// are committed to (bit_commitment.h), and arithmetic on its scalars, the integers mod
//   l = 2^252 + 27742317777372353535851937790883648493.
//
// Points travel as their canonical 32-byte encodings; the identity encodes as 32 zero bytes.
// Scalars are 32 little-endian bytes below l ("canonical"); a scalar that is secret lives in a
// SecretScalar, which wipes itself.
//
// libsodium offers points only in encoded form, so every operation decodes its input points
// and encodes its output: an addition costs about three decodings. Measured on the project's
// 2-core machine while it was shared (docs/BENCHMARKS.md "Federation: count commitments"):
// an addition 26-60 us, a multiplication by the base point G 45-70 us, by another point
// 60-220 us; scalar arithmetic under 1 us.
//
// Pure functions; thread-safe.
#ifndef CAIRN_CRYPTO_RISTRETTO_H_
#define CAIRN_CRYPTO_RISTRETTO_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "crypto/secret.h"

namespace cairn {

inline constexpr size_t kPointBytes = 32;
inline constexpr size_t kScalarBytes = 32;
// Bytes reduced mod l to give a uniform scalar (the bias is below 2^-250).
inline constexpr size_t kWideScalarBytes = 64;

using RistrettoPoint = std::array<uint8_t, kPointBytes>;
using Scalar = std::array<uint8_t, kScalarBytes>;  // public values (challenges, responses)
using SecretScalar = SecretArray<kScalarBytes>;    // witnesses, nonces, masks

// The encoding of the identity (the neutral element).
inline RistrettoPoint IdentityPoint() { return RistrettoPoint{}; }

// H: the point libsodium's crypto_core_ristretto255_from_hash maps BLAKE2b-512 of the fixed
// string "cairn/pedersen/H/v1" to. Being the output of a hash, nobody knows its discrete
// logarithm to the base point G, which is what makes commitments binding.
const RistrettoPoint& GeneratorH();

// a + b, a - b. InvalidArgument if a or b is not the canonical encoding of a point.
absl::StatusOr<RistrettoPoint> AddPoints(const RistrettoPoint& a, const RistrettoPoint& b);
absl::StatusOr<RistrettoPoint> SubtractPoints(const RistrettoPoint& a, const RistrettoPoint& b);

// s·P for a canonical scalar s (32 bytes at `s`). InvalidArgument if P is not the canonical
// encoding of a point.
absl::StatusOr<RistrettoPoint> MultiplyPoint(const uint8_t* s, const RistrettoPoint& p);
// s·G, G the base point, for a canonical scalar s (32 bytes at `s`).
RistrettoPoint MultiplyBase(const uint8_t* s);

// Scalars: 32 bytes at each pointer; `out` may be an input.
bool IsCanonicalScalar(const uint8_t* s);
void ReduceWideScalar(const uint8_t* wide, uint8_t* out);  // kWideScalarBytes -> mod l
void AddScalars(const uint8_t* a, const uint8_t* b, uint8_t* out);
void SubtractScalars(const uint8_t* a, const uint8_t* b, uint8_t* out);
void MultiplyScalars(const uint8_t* a, const uint8_t* b, uint8_t* out);
// A uniform scalar from the CSPRNG (crypto/csprng.h).
void RandomScalar(uint8_t* out);

// k as a scalar (k < 2^64).
Scalar ScalarOf(uint64_t k);

}  // namespace cairn

#endif  // CAIRN_CRYPTO_RISTRETTO_H_
