// Test helpers for crypto/: status matchers and fixed, reproducible identities.
//
// Thread-compatible; for tests only.
#ifndef CAIRN_CRYPTO_TEST_UTIL_H_
#define CAIRN_CRYPTO_TEST_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "crypto/identity.h"
#include "crypto/secret.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace testing_util {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// EXPECT_THAT(Parse(x), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base32")));
// Prints the whole status on failure.
MATCHER_P2(StatusIs, code, message_matcher,
           absl::StrCat("has status code ", absl::StatusCodeToString(code))) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.ok();
}

// The identity with seed bytes (n, n+1, ..., n+31): the same keys on every run.
inline Identity FixedIdentity(uint8_t n) {
  SecretArray<kSeedBytes> seed;
  for (size_t i = 0; i < kSeedBytes; ++i) seed.data()[i] = static_cast<uint8_t>(n + i);
  return Identity::FromSeed(seed);
}

// A path under the test's private temporary directory.
inline std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

}  // namespace testing_util
}  // namespace cairn

#endif  // CAIRN_CRYPTO_TEST_UTIL_H_
