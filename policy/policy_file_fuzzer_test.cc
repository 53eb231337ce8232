// Runs the policy file fuzz target over deterministic mutations of the example policy
// (byte flips, insertions, deletions, truncations, spliced lines), so that every build
// exercises it. The seed is logged; CAIRN_TEST_SEED replays another.
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "policy/seeded_random.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace cairn {
namespace {

std::string ReadExample() {
  std::ifstream in("policy/example.toml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int FuzzOne(const std::string& input) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

TEST(PolicyFileFuzzerTest, SurvivesMutationsOfTheExample) {
  const std::string example = ReadExample();
  ASSERT_FALSE(example.empty());
  std::mt19937_64 rng(TestSeed(99));
  const std::string alphabet = "=[]{}\".,#\n 0123456789abcdefgz_-:TZ+";
  for (int i = 0; i < 3000; ++i) {
    std::string text = example;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t at = rng() % text.size();
      switch (rng() % 5) {
        case 0:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 2:
          text.erase(at, 1 + rng() % 8);
          break;
        case 3:
          text.resize(at);
          break;
        case 4: {
          size_t from = rng() % text.size();
          text.insert(at, text.substr(from, 1 + rng() % 60));
          break;
        }
      }
    }
    ASSERT_EQ(FuzzOne(text), 0) << text;
  }
}

TEST(PolicyFileFuzzerTest, SurvivesOddInputs) {
  for (const std::string& text : {std::string(), std::string("\0\0\0", 3), std::string(10000, '['),
                                  std::string("version = 1\n[[grant]]\n") + std::string(2000, '['),
                                  std::string("a = \"\xff\xfe\"")}) {
    ASSERT_EQ(FuzzOne(text), 0);
  }
}

}  // namespace
}  // namespace cairn
