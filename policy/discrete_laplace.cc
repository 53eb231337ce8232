#include "policy/discrete_laplace.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

using u128 = unsigned __int128;

// Caps on loops whose length is geometric (see the header): each is reached with probability
// below 2^-250 when the source is uniform.
constexpr int kMaxRejections = 256;        // each attempt rejected with probability < 1/2
constexpr int kMaxBernoulliSteps = 64;     // P(K > 64) <= 1/64! for gamma <= 1
constexpr int kMaxGeometricSteps = 256;    // P(V >= 256) = exp(-256)
constexpr int kMaxLaplaceAttempts = 1024;  // each attempt accepted with probability > 0.18

absl::Status BrokenSource(absl::string_view where) {
  return absl::InternalError(
      absl::StrCat("random source looks broken: ", where, " did not terminate"));
}

// Uniform on [0, n) for 1 <= n <= 2^128 - 1, by rejection: accept a draw r only if it lies in
// the top (2^bits - (2^bits mod n)) values, a whole number of copies of [0, n).
absl::StatusOr<u128> Uniform128(RandomSource& rng, u128 n) {
  if (n >> 64 == 0) {
    uint64_t n64 = static_cast<uint64_t>(n);
    uint64_t threshold = (0 - n64) % n64;  // 2^64 mod n
    for (int i = 0; i < kMaxRejections; ++i) {
      uint64_t r = rng.Next64();
      if (r >= threshold) return r % n64;
    }
  } else {
    u128 threshold = (0 - n) % n;  // 2^128 mod n
    for (int i = 0; i < kMaxRejections; ++i) {
      u128 r = (static_cast<u128>(rng.Next64()) << 64) | rng.Next64();
      if (r >= threshold) return r % n;
    }
  }
  return BrokenSource("uniform sampling");
}

// Bernoulli(num/den) for num <= den.
absl::StatusOr<bool> Bernoulli(RandomSource& rng, u128 num, u128 den) {
  absl::StatusOr<u128> u = Uniform128(rng, den);
  if (!u.ok()) return u.status();
  return *u < num;
}

// Bernoulli(exp(-num/den)) for num <= den.
absl::StatusOr<bool> BernoulliExpAtMostOne(RandomSource& rng, u128 num, u128 den) {
  for (uint64_t k = 1; k <= kMaxBernoulliSteps; ++k) {
    absl::StatusOr<bool> a = Bernoulli(rng, num, den * k);
    if (!a.ok()) return a.status();
    if (!*a) return k % 2 == 1;
  }
  return BrokenSource("Bernoulli(exp(-gamma)) sampling");
}

}  // namespace

absl::StatusOr<uint64_t> SampleUniform(RandomSource& rng, uint64_t n) {
  if (n == 0) return absl::InvalidArgumentError("uniform sampling from an empty range");
  absl::StatusOr<u128> u = Uniform128(rng, n);
  if (!u.ok()) return u.status();
  return static_cast<uint64_t>(*u);
}

absl::StatusOr<bool> SampleBernoulliExp(RandomSource& rng, uint64_t num, uint64_t den) {
  if (den == 0 || num / den > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("Bernoulli(exp(-", num, "/", den, ")): gamma must be in [0, 64]"));
  }
  for (uint64_t i = 0; i < num / den; ++i) {
    absl::StatusOr<bool> b = BernoulliExpAtMostOne(rng, 1, 1);
    if (!b.ok() || !*b) return b;
  }
  return BernoulliExpAtMostOne(rng, num % den, den);
}

absl::StatusOr<int64_t> SampleDiscreteLaplace(RandomSource& rng, LaplaceScale scale) {
  const uint64_t t = scale.num;
  const uint64_t s = scale.den;
  if (t == 0 || s == 0 || t > kMaxScaleNumerator) {
    return absl::InvalidArgumentError(
        absl::StrCat("discrete Laplace scale ", t, "/", s, " must have parts in [1, 2^62]"));
  }
  for (int attempt = 0; attempt < kMaxLaplaceAttempts; ++attempt) {
    absl::StatusOr<u128> u = Uniform128(rng, t);
    if (!u.ok()) return u.status();
    absl::StatusOr<bool> d = BernoulliExpAtMostOne(rng, *u, t);
    if (!d.ok()) return d.status();
    if (!*d) continue;
    u128 v = 0;
    for (;;) {
      absl::StatusOr<bool> a = BernoulliExpAtMostOne(rng, 1, 1);
      if (!a.ok()) return a.status();
      if (!*a) break;
      if (++v >= kMaxGeometricSteps) return BrokenSource("geometric sampling");
    }
    u128 x = *u + static_cast<u128>(t) * v;
    u128 y = x / s;
    bool negative = (rng.Next64() & 1) != 0;
    if (negative && y == 0) continue;
    if (y > static_cast<u128>(std::numeric_limits<int64_t>::max())) {
      return BrokenSource("discrete Laplace sampling (value out of range)");
    }
    int64_t z = static_cast<int64_t>(y);
    return negative ? -z : z;
  }
  return BrokenSource("discrete Laplace sampling");
}

double DiscreteLaplacePmf(LaplaceScale scale, int64_t z) {
  double p = std::exp(-static_cast<double>(scale.den) / static_cast<double>(scale.num));
  return (1 - p) / (1 + p) * std::pow(p, static_cast<double>(z < 0 ? -z : z));
}

}  // namespace cairn
