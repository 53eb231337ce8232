// A seeded, reproducible RandomSource for tests. NOT for production: noise must come from the
// CSPRNG, or the released figures can be de-noised by anyone who learns the seed.
//
// TestSeed() lets a run be replayed: it returns CAIRN_TEST_SEED from the environment when set,
// else the given default, and prints the seed so that a failure can be reproduced.
// Thread-compatible.
#ifndef CAIRN_POLICY_SEEDED_RANDOM_H_
#define CAIRN_POLICY_SEEDED_RANDOM_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "policy/discrete_laplace.h"

namespace cairn {

class SeededRandomSource : public RandomSource {
 public:
  explicit SeededRandomSource(uint64_t seed) : gen_(seed) {}
  uint64_t Next64() override { return gen_(); }

 private:
  std::mt19937_64 gen_;
};

inline uint64_t TestSeed(uint64_t default_seed) {
  uint64_t seed = default_seed;
  if (const char* env = std::getenv("CAIRN_TEST_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::fprintf(stderr, "random seed %llu (set CAIRN_TEST_SEED to replay)\n",
               static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace cairn

#endif  // CAIRN_POLICY_SEEDED_RANDOM_H_
