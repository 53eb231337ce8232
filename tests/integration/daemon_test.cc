// End-to-end behaviour of cairnd and cairnctl as an operator meets it: start and stop, a
// second daemon on the same dir, a corrupt config, an admin connection from another uid,
// imports (good, repeated, malformed, --skip-bad) and queries in every output format.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "nlohmann/json.hpp"
#include "tests/integration/harness.h"

namespace cairn::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

const char kGoodCsv[] =
    "timestamp,site,line,product,metric,value,unit,batch\n"
    "2026-01-05T08:00:00Z,gent,L1,P1,energy,1.5,MWh,b1\n"
    "2026-01-05T09:00:00Z,gent,L1,P1,energy,500,kWh,b1\n"
    "2026-01-05T08:00:00Z,gent,L2,P2,units_produced,40,count,\n"
    "2026-02-10T08:00:00Z,gent,L1,P1,energy,250,kWh,b2\n";

class DaemonTest : public ::testing::Test {
 protected:
  void StartPlant(const std::string& name) {
    dir_ = InitDataDir(name);
    daemon_ = std::make_unique<DaemonProcess>(dir_);
    ASSERT_TRUE(daemon_->Start().ok()) << daemon_->Log();
  }
  CommandResult Ctl(const std::vector<std::string>& args) { return Cairnctl(dir_, args); }
  std::string File(const std::string& name, const std::string& contents) {
    std::string path = dir_ + "/" + name;
    WriteFile(path, contents);
    return path;
  }
  uint64_t Records() {
    CommandResult r = Ctl({"query", "--metric", "energy", "--agg", "count", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    if (doc.is_discarded() || doc["rows"].empty()) return 0;
    return doc["rows"][0]["records"].get<uint64_t>();
  }

  std::string dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(DaemonTest, StatusThenCleanShutdownOnSigterm) {
  StartPlant("status");
  nlohmann::json status = CairnctlJson(dir_, {"status"});
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["participant"], "Test Plant");
  EXPECT_EQ(status["records"], 0);
  EXPECT_TRUE(status["partner_queries_refused"].is_null());
  EXPECT_EQ(daemon_->Stop(), 0) << daemon_->Log();
  EXPECT_NE(access((dir_ + "/cairnd.sock").c_str(), F_OK), 0) << "socket left behind";
  EXPECT_THAT(Ctl({"status"}).err, HasSubstr("cairnd is not running"));
}

TEST_F(DaemonTest, SecondDaemonOnTheSameDirIsRefused) {
  StartPlant("second");
  CommandResult second = RunCommand(RunfilePath("daemon/cairnd"), {"--data-dir", dir_});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.err, HasSubstr("already running on"));
  EXPECT_THAT(second.err, HasSubstr(std::to_string(daemon_->pid())));
  EXPECT_EQ(Ctl({"status"}).exit_code, 0) << "the first daemon must keep serving";
}

TEST_F(DaemonTest, CorruptConfigIsNamedWithItsLine) {
  std::string dir = InitDataDir("corrupt");
  WriteFile(dir + "/cairnd.toml", "[participant]\nname = \"x\"\n[storage\nsync = true\n");
  CommandResult r = RunCommand(RunfilePath("daemon/cairnd"), {"--data-dir", dir});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cairnd.toml:3:"));
  WriteFile(dir + "/cairnd.toml", "[participant]\nname = \"x\"\n[storage]\nsink = true\n");
  r = RunCommand(RunfilePath("daemon/cairnd"), {"--data-dir", dir});
  EXPECT_THAT(r.err, HasSubstr("cairnd.toml:4:1: unknown setting 'storage.sink'"));
}

TEST_F(DaemonTest, AdminConnectionFromAnotherUidIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run a client as another uid";
  // Test dirs under /root are out of reach for uid 65534: use a world-traversable place for
  // the data dir and a copy of cairnctl it can execute.
  char scratch[] = "/tmp/cairn-uid-test.XXXXXX";
  ASSERT_NE(mkdtemp(scratch), nullptr);
  chmod(scratch, 0755);
  std::string ctl = std::string(scratch) + "/cairnctl";
  ASSERT_EQ(RunCommand("/bin/cp", {RunfilePath("tools/cairnctl/cairnctl"), ctl}).exit_code, 0);
  chmod(ctl.c_str(), 0755);
  dir_ = std::string(scratch) + "/plant";
  ASSERT_EQ(Ctl({"init", "--name", "Test Plant"}).exit_code, 0);
  daemon_ = std::make_unique<DaemonProcess>(dir_);
  ASSERT_TRUE(daemon_->Start().ok()) << daemon_->Log();

  // Even with the directory and socket opened up by mistake, the peer credential check holds.
  chmod(dir_.c_str(), 0755);
  chmod((dir_ + "/cairnd.toml").c_str(), 0644);
  chmod((dir_ + "/cairnd.sock").c_str(), 0666);
  CommandResult other = RunCommand(ctl, {"--data-dir", dir_, "status"}, /*uid=*/65534);
  EXPECT_EQ(other.exit_code, 1) << other.err;
  EXPECT_THAT(other.out, Not(HasSubstr("records")));
  EXPECT_THAT(daemon_->Log(), HasSubstr("refused admin connection from uid 65534"));
  // With the modes cairnd sets, the socket is out of reach altogether.
  chmod(dir_.c_str(), 0700);
  chmod((dir_ + "/cairnd.sock").c_str(), 0600);
  other = RunCommand(ctl, {"--data-dir", dir_, "status"}, 65534);
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.err, HasSubstr("permission denied"));
  EXPECT_EQ(Ctl({"status"}).exit_code, 0) << "the owner is still served";
  daemon_->Stop();
  RunCommand("/bin/rm", {"-rf", scratch});
}

TEST_F(DaemonTest, SocketIsPrivate) {
  StartPlant("mode");
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/cairnd.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(DaemonTest, ImportTwiceChangesNothing) {
  StartPlant("twice");
  std::string csv = File("good.csv", kGoodCsv);
  CommandResult first = Ctl({"import", csv});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("imported 4 records"));
  EXPECT_THAT(first.out, HasSubstr("4 new"));
  CommandResult second = Ctl({"import", csv});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("0 new, 0 replaced, 4 unchanged"));
  EXPECT_EQ(Records(), 3u);
}

TEST_F(DaemonTest, ALaterValueForTheSameKeyReplacesTheEarlierOne) {
  StartPlant("replace");
  ASSERT_EQ(Ctl({"import", File("a.csv", kGoodCsv)}).exit_code, 0);
  CommandResult r = Ctl({"import", File("b.csv",
                                        "timestamp,site,line,product,metric,value,unit,batch\n"
                                        "2026-01-05T08:00:00Z,gent,L1,P1,energy,2,MWh,b1\n")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 replaced"));
  nlohmann::json q = CairnctlJson(dir_, {"query", "--metric", "energy", "--where", "batch=b1"});
  ASSERT_EQ(q["rows"].size(), 1u);
  EXPECT_EQ(q["rows"][0]["value"], 2500.0);
  EXPECT_EQ(q["rows"][0]["records"], 2);
}

struct BadInput {
  const char* name;
  const char* row;
  const char* expected;  // in the error: file:line and field
};

class MalformedImportTest : public DaemonTest, public ::testing::WithParamInterface<BadInput> {};

TEST_P(MalformedImportTest, NamesFileLineAndFieldAndAppliesNothing) {
  StartPlant(std::string("bad_") + GetParam().name);
  std::string csv = File("in.csv", std::string(kGoodCsv) + GetParam().row + "\n");
  CommandResult r = Ctl({"import", "--no-progress", csv});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("in.csv:6"));
  EXPECT_THAT(r.err, HasSubstr(GetParam().expected));
  EXPECT_THAT(r.err, HasSubstr("nothing was imported"));
  EXPECT_EQ(Records(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    EachError, MalformedImportTest,
    ::testing::Values(
        BadInput{"columns", "2026-01-06T00:00:00Z,gent,L1,P1,energy,1,kWh", "column"},
        BadInput{"metric", "2026-01-06T00:00:00Z,gent,L1,P1,enrgy,1,kWh,", "metric"},
        BadInput{"unit", "2026-01-06T00:00:00Z,gent,L1,P1,energy,1,kg,", "unit"},
        BadInput{"number", "2026-01-06T00:00:00Z,gent,L1,P1,energy,1.2.3,kWh,", "value"},
        BadInput{"time", "2026-01-36T00:00:00Z,gent,L1,P1,energy,1,kWh,", "timestamp"},
        BadInput{"nonfinite", "2026-01-06T00:00:00Z,gent,L1,P1,energy,inf,kWh,", "value"},
        BadInput{"utf8", "2026-01-06T00:00:00Z,g\xff\xfe,L1,P1,energy,1,kWh,", "UTF-8"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

TEST_F(DaemonTest, SkipBadAppliesTheGoodRowsAndReportsEveryBadOne) {
  StartPlant("skipbad");
  std::string csv = File("mixed.csv", std::string(kGoodCsv) +
                                          "2026-01-06T00:00:00Z,gent,L1,P1,energy,x,kWh,\n"
                                          "2026-01-07T00:00:00Z,gent,L1,P1,energy,7,kWh,\n"
                                          "2026-01-08T00:00:00Z,gent,L1,P1,energy,1,kg,\n");
  CommandResult r = Ctl({"import", "--skip-bad", "--no-progress", csv});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("mixed.csv:6"));
  EXPECT_THAT(r.err, HasSubstr("mixed.csv:8"));
  EXPECT_THAT(r.err, HasSubstr("skipped 2 bad rows"));
  EXPECT_EQ(Records(), 4u);
}

TEST_F(DaemonTest, MissingFileIsAClearError) {
  StartPlant("missing");
  CommandResult r = Ctl({"import", dir_ + "/nope.csv"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("nope.csv"));
}

TEST_F(DaemonTest, QueryFormats) {
  StartPlant("formats");
  ASSERT_EQ(Ctl({"import", File("a.csv", kGoodCsv)}).exit_code, 0);
  CommandResult json =
      Ctl({"query", "--metric", "energy", "--group-by", "month,line", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out);
  ASSERT_EQ(doc["rows"].size(), 2u);
  EXPECT_EQ(doc["rows"][0]["month"], "2026-01");
  EXPECT_EQ(doc["rows"][0]["line"], "L1");
  EXPECT_EQ(doc["rows"][0]["value"], 2000.0);
  EXPECT_EQ(doc["rows"][0]["records"], 2);
  CommandResult csv = Ctl({"query", "--metric", "energy", "--group-by", "week", "--format", "csv"});
  EXPECT_THAT(csv.out, HasSubstr("week,value,records,series\n2026-W02,2000,2,1\n"));
  CommandResult table = Ctl({"query", "--metric", "energy", "--group-by", "week"});
  EXPECT_THAT(table.out, HasSubstr("2026-W02"));
  EXPECT_THAT(table.out, HasSubstr("sum(energy) [kWh]"));
  CommandResult bad = Ctl({"query", "--metric", "enrgy"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("unknown metric 'enrgy'"));
}

}  // namespace
}  // namespace cairn::testing
