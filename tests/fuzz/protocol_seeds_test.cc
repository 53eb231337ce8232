// The protocol fuzz targets start from real messages: every committed real_* seed, and every
// freshly made one, gets all the way through its decoder (decoded and, when signed, verified).
// If this fails after a wire format change, regenerate the seeds with write_protocol_seeds.
// The nul_* seeds are real messages with a NUL byte in a text, which the fuzzers found the
// decoders accepting (and re-encoding cut short); they must stay refused.
#include "tests/fuzz/protocol_seeds.h"

#include <dirent.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

std::vector<std::string> CommittedSeeds(const std::string& corpus, const std::string& prefix) {
  const std::string dir = "tests/fuzz/corpus/" + corpus;
  std::vector<std::string> seeds;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return seeds;
  while (const dirent* entry = readdir(d)) {
    const std::string name = entry->d_name;
    if (name.rfind(prefix, 0) != 0) continue;
    std::ifstream in(dir + "/" + name, std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  closedir(d);
  return seeds;
}

TEST(ProtocolSeedsTest, FreshSeedsGetThroughTheirDecoders) {
  for (const ProtocolCorpus& corpus : MakeProtocolSeeds()) {
    for (const ProtocolSeed& seed : corpus.seeds) {
      EXPECT_TRUE(corpus.decode_and_check(seed.bytes).ok())
          << corpus.corpus << "/" << seed.name << ": " << corpus.decode_and_check(seed.bytes);
    }
  }
}

TEST(ProtocolSeedsTest, CommittedSeedsGetThroughTheirDecoders) {
  for (const ProtocolCorpus& corpus : MakeProtocolSeeds()) {
    const std::vector<std::string> committed = CommittedSeeds(corpus.corpus, "real_");
    EXPECT_EQ(committed.size(), corpus.seeds.size()) << corpus.corpus;
    for (const std::string& bytes : committed) {
      EXPECT_TRUE(corpus.decode_and_check(bytes).ok())
          << corpus.corpus << ": " << corpus.decode_and_check(bytes)
          << "; regenerate with write_protocol_seeds";
    }
  }
}

TEST(ProtocolSeedsTest, SeedsWithNulBytesInTextAreRefused) {
  int seeds = 0;
  for (const ProtocolCorpus& corpus : MakeProtocolSeeds()) {
    for (const std::string& bytes : CommittedSeeds(corpus.corpus, "nul_")) {
      EXPECT_THAT(std::string(corpus.decode_and_check(bytes).message()),
                  ::testing::HasSubstr("contains a NUL byte"))
          << corpus.corpus;
      ++seeds;
    }
  }
  EXPECT_EQ(seeds, 3);
}

}  // namespace
}  // namespace cairn
