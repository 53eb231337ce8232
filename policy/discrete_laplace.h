// Exact sampling of discrete Laplace noise using only integer arithmetic.
//
// The discrete Laplace distribution with scale t > 0 puts probability
//     P(Z = z) = (1 - p) / (1 + p) * p^|z|,   p = exp(-1/t),
// on every integer z. Adding it to an integer-valued query of sensitivity D with t = D/epsilon
// gives epsilon-differential privacy (Ghosh, Roughgarden, Sundararajan 2009).
//
// The sampler is Algorithm 2 of Canonne, Kamath and Steinke, "The Discrete Gaussian for
// Differential Privacy" (NeurIPS 2020), with the scale a rational number t = num/den:
//   repeat:
//     U <- uniform{0, ..., num-1}
//     D <- Bernoulli(exp(-U/num));              if D = 0 restart
//     V <- number of successes of Bernoulli(exp(-1)) before the first failure
//     X <- U + num * V                          (X ~ Geometric(1 - exp(-1/num)))
//     Y <- floor(X / den)                       (Y ~ Geometric(1 - exp(-den/num)))
//     B <- Bernoulli(1/2);                      if B = 1 and Y = 0 restart
//     return (1 - 2B) * Y
// Bernoulli(exp(-gamma)) for rational gamma = n/d is sampled exactly (their Algorithm 1):
// for gamma <= 1, draw A_k ~ Bernoulli(gamma/k) for k = 1, 2, ... until the first A_k = 0,
// and return 1 iff that k is odd; for gamma > 1, AND together floor(gamma) draws of
// Bernoulli(exp(-1)) and one of Bernoulli(exp(-(gamma - floor(gamma)))). Every Bernoulli(a/b)
// is "uniform{0..b-1} < a", and every uniform draw is rejection sampling from 64-bit words.
// No floating point is involved, so the output distribution is exact up to the source.
//
// Every loop is capped far beyond its expected length (each cap is reached with probability
// below 2^-250 for a uniform source); reaching one means the source is broken, reported as
// Internal. Thread-compatible: the functions keep no state; the RandomSource is the caller's.
#ifndef CAIRN_POLICY_DISCRETE_LAPLACE_H_
#define CAIRN_POLICY_DISCRETE_LAPLACE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "base/random_source.h"

namespace cairn {

// A source of independent, uniformly distributed 64-bit words. Production passes the
// CSPRNG (libsodium randombytes_buf); tests pass a seeded generator and log the seed.
// A scale t = num / den, both >= 1. Kept rational so that t = sensitivity / epsilon is exact.
struct LaplaceScale {
  uint64_t num = 1;
  uint64_t den = 1;
};

// Largest LaplaceScale::num accepted: keeps every intermediate in 128 bits.
inline constexpr uint64_t kMaxScaleNumerator = uint64_t{1} << 62;

// Uniform on {0, ..., n-1}. InvalidArgument if n == 0; Internal if the source looks broken.
absl::StatusOr<uint64_t> SampleUniform(RandomSource& rng, uint64_t n);

// Bernoulli(exp(-num/den)). InvalidArgument if den == 0 or num/den > 64.
absl::StatusOr<bool> SampleBernoulliExp(RandomSource& rng, uint64_t num, uint64_t den);

// Discrete Laplace with scale num/den (see above). InvalidArgument for a zero part or
// num > kMaxScaleNumerator; Internal if the source looks broken.
absl::StatusOr<int64_t> SampleDiscreteLaplace(RandomSource& rng, LaplaceScale scale);

// P(Z = z) for the discrete Laplace with `scale`, in floating point, for tests and reports.
double DiscreteLaplacePmf(LaplaceScale scale, int64_t z);

}  // namespace cairn

#endif  // CAIRN_POLICY_DISCRETE_LAPLACE_H_
