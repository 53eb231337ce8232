// Smoke driver for fuzz targets under gcc (see fuzz_driver.h): every seed, then a fixed number
// of mutations of the seeds (bit flips, truncations, splices, random bytes) from a logged seed.
// With one argument, a directory, it writes the seeds there instead (a libFuzzer corpus).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "crypto/fuzz/fuzz_driver.h"

namespace {

constexpr int kMutations = 20000;
constexpr uint32_t kRngSeed = 20260301;

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string Mutate(std::string input, std::mt19937& rng) {
  auto pick = [&rng](size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  switch (pick(5)) {
    case 0:  // flip a bit
      if (!input.empty()) input[pick(input.size())] ^= static_cast<char>(1 << pick(8));
      break;
    case 1:  // truncate
      input.resize(pick(input.size() + 1));
      break;
    case 2:  // overwrite a byte with a random one
      if (!input.empty()) input[pick(input.size())] = static_cast<char>(pick(256));
      break;
    case 3:  // duplicate a slice
      if (!input.empty()) {
        const size_t from = pick(input.size());
        const size_t len = pick(std::min<size_t>(64, input.size() - from) + 1);
        input.insert(pick(input.size() + 1), input.substr(from, len));
      }
      break;
    default:  // random bytes
      input.assign(pick(200), '\0');
      for (char& c : input) c = static_cast<char>(pick(256));
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> seeds = cairn::FuzzSeeds();
  // `<test binary> DIR` writes the seeds into DIR as a starting corpus for libFuzzer.
  if (argc == 2) {
    for (size_t i = 0; i < seeds.size(); ++i) {
      std::ofstream(std::string(argv[1]) + "/seed" + std::to_string(i), std::ios::binary)
          << seeds[i];
    }
    return 0;
  }
  for (const std::string& seed : seeds) Run(seed);
  std::printf("rng seed %u, %zu seeds, %d mutations\n", kRngSeed, seeds.size(), kMutations);
  std::mt19937 rng(kRngSeed);
  for (int i = 0; i < kMutations; ++i) {
    std::string input = seeds[i % seeds.size()];
    const int rounds = 1 + static_cast<int>(rng() % 4);
    for (int r = 0; r < rounds; ++r) input = Mutate(std::move(input), rng);
    Run(input);
  }
  return 0;
}
