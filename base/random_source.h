// RandomSource: where code that needs uniform random bits gets them, so that the source can be
// chosen by the caller. Production passes crypto::CsprngSource (libsodium, the project's one
// CSPRNG); tests pass a seeded source and log the seed. Implementations state their own
// threading contract.
#ifndef CAIRN_BASE_RANDOM_SOURCE_H_
#define CAIRN_BASE_RANDOM_SOURCE_H_

#include <cstdint>

namespace cairn {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // 64 uniformly random bits.
  virtual uint64_t Next64() = 0;
};

}  // namespace cairn

#endif  // CAIRN_BASE_RANDOM_SOURCE_H_
