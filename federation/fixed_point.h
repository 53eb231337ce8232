// The fixed-point encoding of federated figures, and how it survives masking.
//
// A figure (a member's local sum, count, ...) is a double. It becomes an exact integer number
// of quanta, q = round(v * 10^6) (resolution 10^-6, ties away from zero), computed from the
// double's mantissa and exponent with 128-bit integers, so it is exact and the same on every
// host. |q| must be at most kMaxAbsQuanta = 2^116 - 1 (|v| up to about 8.3e28).
//
// Secure aggregation works in Z/2^64 (crypto/pairwise_mask.h), too small for such numbers, so
// q, as a 128-bit two's-complement word, is split into kLimbs = 4 limbs of 32 bits, each sent
// in its own 64-bit word. The masks cancel in the sum of the cohort's vectors, which leaves,
// per limb position, the plain sum of the members' limbs: at most n * (2^32 - 1) < 2^42 for
// n <= 1000 members, so it never wraps. Recombining sum_k(limb_sum_k * 2^(32k)) mod 2^128 and
// reading it as signed gives the exact total, because |total| <= n * 2^116 < 2^127.
// Negative figures work because two's complement addition is addition mod 2^128.
//
// The same bounds detect garbage: when masks do not cancel (a member saw another cohort or
// round, or a vector was altered), the limb sums are uniform in Z/2^64 and exceed
// n * (2^32 - 1) with overwhelming probability; FromLimbSums then fails.
//
// Pure functions; thread-safe.
#ifndef CAIRN_FEDERATION_FIXED_POINT_H_
#define CAIRN_FEDERATION_FIXED_POINT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace cairn {

// A figure in units of 10^-6, exactly.
using Quanta = __int128;

inline constexpr int kFractionDigits = 6;
inline constexpr int64_t kQuantaPerUnit = 1'000'000;
inline constexpr int kLimbs = 4;
inline constexpr int kLimbBits = 32;
inline constexpr Quanta kMaxAbsQuanta = (Quanta{1} << 116) - 1;

// round(v * 10^6). InvalidArgument if v is not finite or |q| > kMaxAbsQuanta.
absl::StatusOr<Quanta> ToQuanta(double v);
// The integer n as quanta (n * 10^6); exact for every int64.
Quanta QuantaOfInteger(int64_t n);

// The nearest double to q / 10^6 (within a few ulps; the exact value is FormatQuanta's).
double QuantaToDouble(Quanta q);

// Exact decimal: "-12.5", "0", "3.000001" (no trailing fraction zeros, no "+", no "-0").
std::string FormatQuanta(Quanta q);
// The inverse of FormatQuanta; InvalidArgument for anything it would not have written.
absl::StatusOr<Quanta> ParseQuanta(absl::string_view text);

// Appends q's kLimbs limbs (least significant first), each < 2^32, to `words`.
void AppendLimbs(Quanta q, std::vector<uint64_t>* words);

// The total from the kLimbs limb sums of `members` members' figures (least significant
// first). DataLoss if a limb sum or the total is out of the range honest members can produce:
// the vectors did not add up (masks did not cancel, or a vector was altered).
absl::StatusOr<Quanta> FromLimbSums(absl::Span<const uint64_t> sums, uint64_t members);

}  // namespace cairn

#endif  // CAIRN_FEDERATION_FIXED_POINT_H_
