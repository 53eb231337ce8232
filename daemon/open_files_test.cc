#include "daemon/open_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cairn {
namespace {

using ::testing::HasSubstr;

TEST(OpenFiles, TheStoreGetsWhatTheConnectionsAndTheReserveLeave) {
  OpenFilePlan plan = PlanOpenFiles(2048, 256, 256);
  EXPECT_EQ(plan.store_files, 2048 - kReservedDescriptors - 512);
  EXPECT_EQ(plan.max_connections, 256);
  EXPECT_EQ(plan.max_pending_handshakes, 256);
  EXPECT_EQ(plan.warning, "");
}

TEST(OpenFiles, AHighLimitGivesTheStoreItsMaximum) {
  EXPECT_EQ(PlanOpenFiles(1 << 20, 256, 256).store_files, kMaxStoreFiles);
}

TEST(OpenFiles, ALowLimitLowersTheConnectionsNotTheStore) {
  OpenFilePlan plan = PlanOpenFiles(512, 256, 256);
  EXPECT_EQ(plan.store_files, kMinStoreFiles);
  EXPECT_LE(
      kReservedDescriptors + plan.store_files + plan.max_connections + plan.max_pending_handshakes,
      512);
  EXPECT_GT(plan.max_connections, plan.max_pending_handshakes);
  EXPECT_THAT(plan.warning, HasSubstr("open-file limit (512) is too low"));
}

TEST(OpenFiles, RaisingTheLimitNeverLowersIt) {
  int64_t before = RaiseOpenFileLimit();
  EXPECT_GE(RaiseOpenFileLimit(), before);
}

}  // namespace
}  // namespace cairn
