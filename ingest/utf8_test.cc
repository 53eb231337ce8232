#include "ingest/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn {
namespace {

TEST(FindInvalidUtf8, AcceptsWellFormedText) {
  for (const std::string text :
       {"", "plain ascii that is longer than a word", "Zürich", "€ 12", "\xF0\x9F\x8F\xAD factory",
        "\xF4\x8F\xBF\xBF", "\xEF\xBF\xBD", "\xED\x9F\xBF"}) {
    EXPECT_EQ(FindInvalidUtf8(text), text.size()) << text;
  }
}

TEST(FindInvalidUtf8, NamesTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("abc\xFF"), 3);               // never valid
  EXPECT_EQ(FindInvalidUtf8("ab\x80"), 2);                // stray continuation
  EXPECT_EQ(FindInvalidUtf8("a\xC3\x28"), 1);             // continuation missing
  EXPECT_EQ(FindInvalidUtf8("a\xC3"), 1);                 // truncated at the end
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0);              // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0);          // overlong, three bytes
  EXPECT_EQ(FindInvalidUtf8("\xF0\x80\x80\xAF"), 0);      // overlong, four bytes
  EXPECT_EQ(FindInvalidUtf8("12345678\xED\xA0\x80"), 8);  // a surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0);      // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xE2\x82\xAC\xE2\x82"), 3);  // second sequence truncated
}

TEST(Utf8Prefix, CutsOnlyBetweenSequences) {
  EXPECT_EQ(Utf8Prefix("abcdef", 3), "abc");
  EXPECT_EQ(Utf8Prefix("ab", 3), "ab");
  EXPECT_EQ(Utf8Prefix("a\xE2\x82\xAC", 3), "a");
  EXPECT_EQ(Utf8Prefix("a\xE2\x82\xAC", 4), "a\xE2\x82\xAC");
}

}  // namespace
}  // namespace cairn
