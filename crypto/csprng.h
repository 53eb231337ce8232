// The one source of randomness for keys, nonces, serial numbers and noise: libsodium's
// randombytes_buf (getrandom(2) on Linux). Nothing else in Cairn draws randomness for those.
//
// sodium_init() runs once, on first use, from whichever thread gets there first; every function
// here is thread-safe. If libsodium cannot initialise (no kernel entropy source), the process
// aborts with a message: carrying on without randomness would be worse than stopping. A daemon
// calls InitCrypto() at startup to learn this as a Status instead.
#ifndef CAIRN_CRYPTO_CSPRNG_H_
#define CAIRN_CRYPTO_CSPRNG_H_

#include <cstddef>
#include <cstdint>
#include <limits>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "base/random_source.h"

namespace cairn {

// Initialises libsodium (idempotent, thread-safe). OK on success; Internal if libsodium
// refuses to start.
absl::Status InitCrypto();

// Fills `out` with uniformly random bytes.
void RandomBytes(void* out, size_t len);
void RandomBytes(absl::Span<uint8_t> out);

// A uniformly random 64-bit value.
uint64_t RandomU64();

// A uniformly random value in [0, upper_bound), without modulo bias (rejection sampling).
// upper_bound == 0 is a caller bug and aborts.
uint64_t RandomUniform(uint64_t upper_bound);

// An abstract source of uniform 64-bit values. Code that needs randomness but must be testable
// with a seeded generator (the differential-privacy noise) takes one of these; production
// passes a CsprngSource. Implementations say their own threading contract.

// RandomSource backed by the CSPRNG. Stateless, so one instance may be shared by threads.
// Also a UniformRandomBitGenerator, so it works with <random> and absl distributions.
class CsprngSource final : public RandomSource {
 public:
  using result_type = uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<uint64_t>::max(); }

  uint64_t Next64() override { return RandomU64(); }
  result_type operator()() { return RandomU64(); }
};

}  // namespace cairn

#endif  // CAIRN_CRYPTO_CSPRNG_H_
