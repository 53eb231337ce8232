// The protocol fuzz targets start from real messages: every committed real_* seed, and every
// freshly made one, gets all the way through its decoder (decoded and, when signed, verified).
// If this fails after a wire format change, regenerate the seeds with write_protocol_seeds.
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

std::vector<std::string> CommittedRealSeeds(const std::string& corpus) {
  const std::string dir = "tests/fuzz/corpus/" + corpus;
  std::vector<std::string> seeds;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return seeds;
  while (const dirent* entry = readdir(d)) {
    const std::string name = entry->d_name;
    if (name.rfind("real_", 0) != 0) continue;
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
    const std::vector<std::string> committed = CommittedRealSeeds(corpus.corpus);
    EXPECT_EQ(committed.size(), corpus.seeds.size()) << corpus.corpus;
    for (const std::string& bytes : committed) {
      EXPECT_TRUE(corpus.decode_and_check(bytes).ok())
          << corpus.corpus << ": " << corpus.decode_and_check(bytes)
          << "; regenerate with write_protocol_seeds";
    }
  }
}

}  // namespace
}  // namespace cairn
