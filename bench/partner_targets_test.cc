#include "bench/partner_targets.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

TEST(TargetSpecTest, ASecuredTargetNamesEndpointPidAndCertificate) {
  absl::StatusOr<TargetSpec> spec = ParseTargetSpec("allow=secured,127.0.0.1:7443,1234,/d/c.crt");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "allow");
  EXPECT_TRUE(spec->secured);
  EXPECT_EQ(spec->endpoint, "127.0.0.1:7443");
  EXPECT_EQ(spec->pid, 1234);
  EXPECT_EQ(spec->certificate_file, "/d/c.crt");
}

TEST(TargetSpecTest, AClearTargetHasNoCertificate) {
  absl::StatusOr<TargetSpec> spec = ParseTargetSpec("clear=clear,127.0.0.1:9,77");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_FALSE(spec->secured);
  EXPECT_EQ(spec->pid, 77);
  EXPECT_EQ(spec->certificate_file, "");
}

TEST(TargetSpecTest, MalformedSpecsSayWhatIsWrong) {
  auto error = [](const char* text) {
    return std::string(ParseTargetSpec(text).status().message());
  };
  EXPECT_THAT(error("=clear,127.0.0.1:9,77"), HasSubstr("no name"));
  EXPECT_THAT(error("x=tls,127.0.0.1:9,77"), HasSubstr("unknown kind 'tls'"));
  EXPECT_THAT(error("x=secured,127.0.0.1:9,77"), HasSubstr("4 fields"));
  EXPECT_THAT(error("x=clear,127.0.0.1:9,77,c.crt"), HasSubstr("3 fields"));
  EXPECT_THAT(error("x=clear,localhost,77"), HasSubstr("HOST:PORT"));
  EXPECT_THAT(error("x=clear,127.0.0.1:9,-3"), HasSubstr("PID"));
  EXPECT_THAT(error("x=clear,127.0.0.1:9,abc"), HasSubstr("PID"));
}

}  // namespace
}  // namespace cairn
