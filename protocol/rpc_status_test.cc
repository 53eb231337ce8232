#include "protocol/rpc_status.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(RpcStatus, RoundTripsCodeAndMessage) {
  absl::Status s = absl::InvalidArgumentError("plant.csv:3: field 'value': bad");
  absl::Status back = ExceptionToStatus(StatusToException(s));
  EXPECT_EQ(back, s);
}

TEST(RpcStatus, StripsRemotePrefix) {
  kj::Exception e(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                  kj::str("remote exception: NOT_FOUND: unknown metric 'x'"));
  EXPECT_EQ(ExceptionToStatus(e), absl::NotFoundError("unknown metric 'x'"));
}

TEST(RpcStatus, StripsEveryHopsPrefix) {
  kj::Exception e(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                  kj::str("remote exception: remote exception: PERMISSION_DENIED: no"));
  EXPECT_EQ(ExceptionToStatus(e), absl::PermissionDeniedError("no"));
}

TEST(RpcStatus, DisconnectIsUnavailable) {
  kj::Exception e(kj::Exception::Type::DISCONNECTED, __FILE__, __LINE__, kj::str("EOF"));
  EXPECT_EQ(ExceptionToStatus(e).code(), absl::StatusCode::kUnavailable);
}

TEST(RpcStatus, ThrowIfErrorThrowsOnlyOnError) {
  EXPECT_NO_THROW(ThrowIfError(absl::OkStatus()));
  EXPECT_THROW(ThrowIfError(absl::InternalError("x")), kj::Exception);
}

}  // namespace
}  // namespace cairn
