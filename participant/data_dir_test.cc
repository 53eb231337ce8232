#include "participant/data_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace cairn {
namespace {

using ::testing::HasSubstr;

class DataDirTest : public ::testing::Test {
 protected:
  std::string Fresh(const std::string& name) {
    return std::string(getenv("TEST_TMPDIR")) + "/" + name;
  }
};

TEST_F(DataDirTest, InitializeCreatesPrivateDirAndConfig) {
  DataDir dir(Fresh("init"));
  ASSERT_TRUE(dir.Initialize("acme").ok());
  struct stat st;
  ASSERT_EQ(stat(dir.root().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(access(dir.ConfigPath().c_str(), R_OK), 0);
}

TEST_F(DataDirTest, InitializeRefusesAnInitialisedDir) {
  DataDir dir(Fresh("twice"));
  ASSERT_TRUE(dir.Initialize("acme").ok());
  EXPECT_THAT(dir.Initialize("acme").message(), HasSubstr("already initialised"));
}

TEST_F(DataDirTest, SecondLockIsRefusedWithThePid) {
  DataDir dir(Fresh("lock"));
  ASSERT_TRUE(dir.Initialize("acme").ok());
  auto first = DataDirLock::Acquire(dir);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = DataDirLock::Acquire(dir);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(),
              HasSubstr("(pid " + std::to_string(getpid()) + ") is already running"));
  first->reset();
  EXPECT_TRUE(DataDirLock::Acquire(dir).ok());
}

TEST_F(DataDirTest, LongSocketPathsGoThroughProcSelfFd) {
  std::string long_dir = Fresh(std::string(120, 'x'));
  ASSERT_EQ(mkdir(long_dir.c_str(), 0700), 0);
  auto address = UnixSocketAddress::For(long_dir + "/cairnd.sock");
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_THAT((*address)->kj_address(), HasSubstr("unix:/proc/self/fd/"));
  auto short_address = UnixSocketAddress::For("/tmp/x.sock");
  EXPECT_EQ((*short_address)->kj_address(), "unix:/tmp/x.sock");
}

}  // namespace
}  // namespace cairn
