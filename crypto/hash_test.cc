#include "crypto/hash.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(Sha256, KnownAnswer) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hex, RoundTripAndRejects) {
  std::string out;
  ASSERT_TRUE(HexDecode("00ff10Ab", &out));
  EXPECT_EQ(HexEncode(out), "00ff10ab");
  EXPECT_FALSE(HexDecode("abc", &out));
  EXPECT_FALSE(HexDecode("zz", &out));
}

}  // namespace
}  // namespace cairn
