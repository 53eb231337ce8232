// The CSPRNG wrapper; see csprng.h.
#include "crypto/csprng.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace cairn {
namespace {

// sodium_init() is thread-safe and idempotent; the function-local static makes the first
// caller pay for it and every later caller read one bool.
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

void EnsureSodiumOrDie() {
  if (!SodiumReady()) {
    std::fputs("cairn: libsodium failed to initialise; refusing to run without a CSPRNG\n", stderr);
    std::abort();
  }
}

}  // namespace

absl::Status InitCrypto() {
  if (!SodiumReady()) {
    return absl::InternalError("libsodium failed to initialise (sodium_init() < 0)");
  }
  return absl::OkStatus();
}

void RandomBytes(void* out, size_t len) {
  EnsureSodiumOrDie();
  randombytes_buf(out, len);
}

void RandomBytes(absl::Span<uint8_t> out) { RandomBytes(out.data(), out.size()); }

uint64_t RandomU64() {
  uint64_t value;
  RandomBytes(&value, sizeof(value));
  return value;
}

uint64_t RandomUniform(uint64_t upper_bound) {
  if (upper_bound == 0) {
    std::fputs("cairn: RandomUniform(0) called: the range [0, 0) is empty\n", stderr);
    std::abort();
  }
  // Values below `threshold` are the 2^64 mod upper_bound values that would make some residues
  // more likely than others; redraw them. Each draw is rejected with probability < 1/2.
  const uint64_t threshold = (0 - upper_bound) % upper_bound;
  for (;;) {
    const uint64_t r = RandomU64();
    if (r >= threshold) return r % upper_bound;
  }
}

}  // namespace cairn
