// Runs the federation fuzz target over deterministic mutations of valid inputs (a roster, the
// messages of a real round, its result), so that every build exercises it. The seed is logged;
// CAIRN_TEST_SEED replays another.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "federation/messages.h"
#include "federation/testing.h"
#include "gtest/gtest.h"
#include "policy/seeded_random.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace cairn {
namespace {

using federation_testing::QuarterByMonthAndProduct;
using federation_testing::T;
using federation_testing::TestConsortium;

int FuzzOne(uint8_t reader, const std::string& input) {
  std::string bytes(1, static_cast<char>(reader));
  bytes += input;
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// Valid inputs for each reader, from a real round among members with the fuzz target's keys,
// so that the seeds take the target's member through a whole round.
std::vector<std::pair<uint8_t, std::string>> Seeds() {
  TestConsortium consortium({3, 2});  // the same keys as the target's consortium
  for (int i = 0; i < 3; ++i) consortium.member(i).data.Add("energy", T("2026-01"), {"p0"}, i);
  std::vector<std::pair<uint8_t, std::string>> seeds;
  absl::StatusOr<FederatedResult> result =
      consortium.Run(QuarterByMonthAndProduct(2, consortium.Cohort(), 2));
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return seeds;
  seeds.push_back({0, absl::StrCat("version = 1\nconsortium = \"steel-bench\"\n[[member]]\nname = "
                                   "\"a\"\nfingerprint = \"",
                                   consortium.member(0).identity.fingerprint().ToString(),
                                   "\"\nendpoint = \"a:1\"\n")});
  seeds.push_back({1, EncodeSigned(result->proposal)});
  seeds.push_back({2, EncodeSigned(result->announcement)});
  seeds.push_back({3, EncodeValuesRequest(
                          ValuesRequest{DigestProposal(result->proposal.body), result->counts})});
  seeds.push_back({4, EncodeFederatedResult(*result)});
  return seeds;
}

TEST(FederationFuzzerTest, SurvivesMutationsOfValidInputs) {
  const std::vector<std::pair<uint8_t, std::string>> seeds = Seeds();
  ASSERT_EQ(seeds.size(), 5u);
  for (const auto& [reader, input] : seeds) ASSERT_EQ(FuzzOne(reader, input), 0);
  std::mt19937_64 rng(TestSeed(17));
  for (int i = 0; i < 1500; ++i) {
    const auto& [reader, seed] = seeds[rng() % seeds.size()];
    std::string input = seed;
    for (int e = 1 + static_cast<int>(rng() % 4); e > 0 && !input.empty(); --e) {
      const size_t at = rng() % input.size();
      switch (rng() % 4) {
        case 0:
          input[at] = static_cast<char>(rng());
          break;
        case 1:
          input.insert(at, 1, static_cast<char>(rng()));
          break;
        case 2:
          input.erase(at, 1 + rng() % 8);
          break;
        case 3:
          input.resize(at - at % 8);
          break;
      }
    }
    ASSERT_EQ(FuzzOne(reader, input), 0);
  }
}

TEST(FederationFuzzerTest, SurvivesOddInputs) {
  for (uint8_t reader = 0; reader < 5; ++reader) {
    for (const std::string& input :
         {std::string(), std::string(8, '\0'), std::string(4096, '\xff'), std::string(7, 'a')}) {
      ASSERT_EQ(FuzzOne(reader, input), 0);
    }
  }
}

}  // namespace
}  // namespace cairn
