#include "crypto/secret.h"

#include <new>
#include <ostream>
#include <type_traits>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

template <typename T, typename = void>
struct IsStreamable : std::false_type {};
template <typename T>
struct IsStreamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<T>())>>
    : std::true_type {};

static_assert(IsStreamable<int>::value, "the trait itself works");
static_assert(!IsStreamable<const SecretArray<32>&>::value, "secrets must not print");
static_assert(!IsStreamable<const SecretBytes&>::value, "secrets must not print");
static_assert(!std::is_copy_constructible_v<SecretArray<32>>, "secrets are move-only");
static_assert(!std::is_copy_assignable_v<SecretArray<32>>, "secrets are move-only");
static_assert(!std::is_copy_constructible_v<SecretBytes>, "secrets are move-only");
static_assert(!std::is_copy_assignable_v<SecretBytes>, "secrets are move-only");
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);

SecretArray<4> Array(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  const uint8_t bytes[4] = {a, b, c, d};
  return SecretArray<4>::CopyFrom(bytes);
}

bool AllZero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

TEST(SecretArrayTest, ComparesByContents) {
  EXPECT_EQ(Array(1, 2, 3, 4), Array(1, 2, 3, 4));
  EXPECT_NE(Array(1, 2, 3, 4), Array(1, 2, 3, 5));
  EXPECT_NE(Array(1, 2, 3, 4), Array(0, 2, 3, 4));
}

TEST(SecretArrayTest, MovingWipesTheSource) {
  SecretArray<4> source = Array(9, 9, 9, 9);
  SecretArray<4> target = std::move(source);
  EXPECT_EQ(target, Array(9, 9, 9, 9));
  EXPECT_TRUE(AllZero(source.data(), source.size()));  // NOLINT(bugprone-use-after-move)
  SecretArray<4> assigned;
  assigned = std::move(target);
  EXPECT_TRUE(AllZero(target.data(), target.size()));  // NOLINT(bugprone-use-after-move)
}

TEST(SecretArrayTest, DestructionWipesTheBytes) {
  alignas(SecretArray<16>) unsigned char storage[sizeof(SecretArray<16>)];
  auto* secret = new (storage) SecretArray<16>();
  for (size_t i = 0; i < secret->size(); ++i) secret->data()[i] = 0xAB;
  secret->~SecretArray<16>();
  EXPECT_TRUE(AllZero(storage, sizeof(storage)));
}

TEST(SecretArrayTest, GtestPrintsOnlyTheSize) {
  EXPECT_EQ(::testing::PrintToString(Array(0x41, 0x42, 0x43, 0x44)), "<secret: 4 bytes>");
}

TEST(SecretBytesTest, HoldsACopyAndAViewAndACString) {
  const SecretBytes secret = SecretBytes::CopyFrom("pem text");
  EXPECT_EQ(secret.size(), 8u);
  EXPECT_EQ(secret.view(), "pem text");
  EXPECT_STREQ(secret.c_str(), "pem text");
  EXPECT_STREQ(SecretBytes().c_str(), "");
  EXPECT_TRUE(SecretBytes::CopyFrom("").empty());
}

TEST(SecretBytesTest, ZeroInitialisedWhenSized) {
  const SecretBytes secret(32);
  EXPECT_TRUE(AllZero(secret.data(), secret.size()));
}

TEST(SecretBytesTest, ComparesByContentsAndSize) {
  EXPECT_EQ(SecretBytes::CopyFrom("abc"), SecretBytes::CopyFrom("abc"));
  EXPECT_NE(SecretBytes::CopyFrom("abc"), SecretBytes::CopyFrom("abd"));
  EXPECT_NE(SecretBytes::CopyFrom("abc"), SecretBytes::CopyFrom("abcd"));
  EXPECT_EQ(SecretBytes(), SecretBytes::CopyFrom(""));
}

TEST(SecretBytesTest, MovingEmptiesTheSource) {
  SecretBytes source = SecretBytes::CopyFrom("key");
  SecretBytes target = std::move(source);
  EXPECT_EQ(target.view(), "key");
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move)
  SecretBytes assigned = SecretBytes::CopyFrom("old");
  assigned = std::move(target);
  EXPECT_EQ(assigned.view(), "key");
  EXPECT_TRUE(target.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBytesTest, ClearEmpties) {
  SecretBytes secret = SecretBytes::CopyFrom("key");
  secret.Clear();
  EXPECT_TRUE(secret.empty());
  EXPECT_EQ(secret.view(), "");
}

TEST(SecretBytesTest, GtestPrintsOnlyTheSize) {
  EXPECT_EQ(::testing::PrintToString(SecretBytes::CopyFrom("hunter2")), "<secret: 7 bytes>");
}

}  // namespace
}  // namespace cairn
