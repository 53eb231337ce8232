#include "participant/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cairn {
namespace {

using ::testing::HasSubstr;

absl::Status ErrorOf(absl::string_view text) { return ParseConfig(text, "cairnd.toml").status(); }

TEST(Config, DefaultTextParsesToDefaults) {
  absl::StatusOr<Config> c = ParseConfig(DefaultConfigText("Acme \"Steel\""), "cairnd.toml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name, "Acme \"Steel\"");
  EXPECT_EQ(c->admin_socket, "cairnd.sock");
  EXPECT_TRUE(c->sync);
  EXPECT_EQ(c->block_cache_mb, 64);
  EXPECT_EQ(c->max_connections, 256);
  EXPECT_EQ(c->max_pending_handshakes, 256);
  EXPECT_EQ(c->max_pending_handshakes_per_address, 16);
  EXPECT_EQ(c->max_queued_calls, 256);
}

TEST(Config, DefaultTextCanSetTheListenAddress) {
  absl::StatusOr<Config> c = ParseConfig(DefaultConfigText("x", "127.0.0.1:0"), "cairnd.toml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "127.0.0.1:0");
}

TEST(Config, ReadsSettings) {
  absl::StatusOr<Config> c = ParseConfig(
      "[participant]\nname = \"x\"\n[storage]\nsync = false\nblock_cache_mb = 128\n", "f");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->sync);
  EXPECT_EQ(c->block_cache_mb, 128);
}

TEST(Config, PartnerSettings) {
  absl::StatusOr<Config> c = ParseConfig(
      "[participant]\nname = \"x\"\n[partners]\nlisten = \"0.0.0.0:9000\"\n"
      "max_calls_in_flight = 3\nmax_connections = 9\nmax_pending_handshakes = 8\n"
      "max_pending_handshakes_per_address = 2\nmax_queued_calls = 7\n",
      "f");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "0.0.0.0:9000");
  EXPECT_EQ(c->max_calls_in_flight, 3);
  EXPECT_EQ(c->max_connections, 9);
  EXPECT_EQ(c->max_pending_handshakes, 8);
  EXPECT_EQ(c->max_pending_handshakes_per_address, 2);
  EXPECT_EQ(c->max_queued_calls, 7);
  EXPECT_THAT(ErrorOf("[participant]\nname = \"x\"\n[partners]\nlisten = \"nowhere\"\n").message(),
              HasSubstr("partners.listen: must be HOST:PORT"));
}

TEST(Config, UnknownKeyNamesLine) {
  EXPECT_THAT(ErrorOf("[participant]\nname = \"x\"\n[storage]\nsynk = true\n").message(),
              HasSubstr("cairnd.toml:4:1: unknown setting 'storage.synk'"));
}

TEST(Config, WrongTypeNamesLineAndKey) {
  EXPECT_THAT(ErrorOf("[participant]\nname = \"x\"\n[storage]\nsync = \"yes\"\n").message(),
              HasSubstr("cairnd.toml:4:8: storage.sync: expected a boolean"));
}

TEST(Config, OutOfRange) {
  EXPECT_THAT(ErrorOf("[participant]\nname = \"x\"\n[query]\nthreads = 0\n").message(),
              HasSubstr("query.threads: must be between 1 and 64"));
}

TEST(Config, CorruptFileIsNotValidToml) {
  EXPECT_THAT(ErrorOf("[participant\nname = ").message(), HasSubstr("cairnd.toml:1:"));
  EXPECT_THAT(ErrorOf("\x01\x02garbage").message(), HasSubstr("not valid TOML"));
}

TEST(Config, NameIsRequired) {
  EXPECT_THAT(ErrorOf("[storage]\nsync = true\n").message(), HasSubstr("participant.name"));
}

TEST(Config, MissingFileIsNotFound) {
  EXPECT_EQ(LoadConfig("/nonexistent/cairnd.toml").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cairn
