// Federated queries between real daemons on loopback (issue 5): a consortium of three or four
// plants, each with its own cairnd, roster copy and policy, asked by one of them. The total is
// checked exactly against the members' own local answers; every refusal the issue names is
// checked beside the allowed round: a member not on a roster (Sybil), a cohort below a member's
// minimum, a cohort that differs from an earlier one by one member (also after a restart), a
// member lost mid-round (the retry leaves it out; a loss after the others sent their figures
// releases nothing), and a kept result that was changed or re-signed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "federation/messages.h"
#include "nlohmann/json.hpp"
#include "tests/integration/harness.h"
#include "tools/cairnctl/federated_file.h"

namespace cairn::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kConsortium[] = "steel-bench";

// Member i (1-based) has, per month, one product's emissions and units. Values are binary
// fractions so that every sum below is exact in a double as well.
//   January, P1: every member.   February, P2: every member but the fourth.
//   February, P1: only the first (a group too small to release).
std::string PlantCsv(int i) {
  std::string csv = "timestamp,site,line,product,metric,value,unit\n";
  absl::StrAppend(&csv, "2026-01-10T08:00:00Z,s,L1,P1,co2e_scope1,", 100 * i + 0.25, ",kg\n");
  absl::StrAppend(&csv, "2026-01-10T08:00:00Z,s,L1,P1,units_produced,", 10 * i, ",count\n");
  absl::StrAppend(&csv, "2026-01-20T08:00:00Z,s,L2,P1,co2e_scope1,", 7 * i + 0.5, ",kg\n");
  if (i != 4) {
    absl::StrAppend(&csv, "2026-02-03T08:00:00Z,s,L1,P2,co2e_scope1,", 50 * i + 0.125, ",kg\n");
    absl::StrAppend(&csv, "2026-02-03T08:00:00Z,s,L1,P2,units_produced,", 4 * i, ",count\n");
  }
  if (i == 1) {
    absl::StrAppend(&csv, "2026-02-04T08:00:00Z,s,L1,P1,co2e_scope1,33,kg\n");
  }
  return csv;
}

// The grant every member gives the requester (alpha) for rounds of the consortium.
std::string FederationPolicy(int min_cohort) {
  return absl::StrCat(R"(version = 1

[[grant]]
name = "bench"
partner = "alpha"
purpose = "consortium benchmark of specific emissions"
release = "exact"
metrics = ["co2e_scope1", "units_produced"]
aggregates = ["sum"]
ratios = ["co2e_scope1/units_produced"]
group_tags = ["product"]
finest = "month"
federation = { consortium = "steel-bench", min_cohort = )",
                      min_cohort, " }\n");
}

struct Member {
  std::string name, dir, address;
  std::unique_ptr<DaemonProcess> daemon;
};

class FederationTest : public ::testing::Test {
 protected:
  // Starts `names.size()` members with data; member k's daemon gets `env[k]` (failpoints).
  void StartMembers(const std::vector<std::string>& names,
                    const std::map<std::string, std::vector<std::string>>& env = {}) {
    for (size_t i = 0; i < names.size(); ++i) {
      Member m;
      m.name = names[i];
      // A fixed port, so that a restarted member is where the roster says it is.
      m.address = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
      m.dir = InitDataDir(m.name, "Plant " + m.name, m.address);
      m.daemon = std::make_unique<DaemonProcess>(m.dir);
      auto e = env.find(m.name);
      ASSERT_TRUE(m.daemon->Start(e != env.end() ? e->second : std::vector<std::string>{}).ok())
          << m.daemon->Log();
      WriteTextFile(m.dir + "/plant.csv", PlantCsv(static_cast<int>(i) + 1));
      CommandResult r = Cairnctl(m.dir, {"import", "--no-progress", m.dir + "/plant.csv"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      members_.push_back(std::move(m));
    }
  }

  Member& Get(const std::string& name) {
    for (Member& m : members_) {
      if (m.name == name) return m;
    }
    ADD_FAILURE() << "no member " << name;
    return members_.front();
  }

  // The roster of the members named (all when empty), with their certificates.
  std::string Roster(const std::vector<std::string>& names = {}) {
    std::string text = absl::StrCat("version = 1\nconsortium = \"", kConsortium, "\"\n");
    for (const Member& m : members_) {
      if (!names.empty() && std::find(names.begin(), names.end(), m.name) == names.end()) continue;
      absl::StrAppend(&text, "\n[[member]]\nname = \"", m.name, "\"\nfingerprint = \"",
                      FingerprintOf(m.dir), "\"\nendpoint = \"", m.address,
                      "\"\ncertificate = \"\"\"\n", ReadTextFile(m.dir + "/identity.crt"),
                      "\"\"\"\n");
    }
    return text;
  }

  // `member` imports `roster` and applies the federation grant with `min_cohort`.
  void Join(const std::string& member, const std::string& roster, int min_cohort = 3) {
    Member& m = Get(member);
    WriteTextFile(m.dir + "/roster.toml", roster);
    CommandResult a = Cairnctl(m.dir, {"consortium", "add", m.dir + "/roster.toml"});
    ASSERT_EQ(a.exit_code, 0) << a.err << a.out;
    WriteTextFile(m.dir + "/policy.toml", FederationPolicy(min_cohort));
    CommandResult p = Cairnctl(m.dir, {"policy", "apply", m.dir + "/policy.toml"});
    ASSERT_EQ(p.exit_code, 0) << p.err << p.out;
  }
  void EveryoneJoins(int min_cohort = 3) {
    const std::string roster = Roster();
    for (const Member& m : members_) Join(m.name, roster, min_cohort);
  }

  // alpha runs a federated sum of co2e_scope1 by month and product.
  CommandResult Federate(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {
        "federate",   "--consortium",  kConsortium,      "--metric",      "co2e_scope1",
        "--group-by", "month,product", "--group-values", "product=P1,P2", "--from",
        "2026-01",    "--to",          "2026-03",        "--format",      "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Cairnctl(Get("alpha").dir, args);
  }

  // Each member's own answer to the same sum, by "month/product".
  std::map<std::string, double> LocalSums(const std::string& member) {
    CommandResult r = Cairnctl(Get(member).dir,
                               {"query", "--metric", "co2e_scope1", "--group-by", "month,product",
                                "--from", "2026-01", "--to", "2026-03", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, double> sums;
    const nlohmann::json doc = nlohmann::json::parse(r.out);
    for (const auto& row : doc["rows"]) {
      sums[absl::StrCat(row["month"].get<std::string>(), "/", row["product"].get<std::string>())] =
          row["value"].get<double>();
    }
    return sums;
  }

  // The federated rows by "month/product": {members, released, value or NaN}.
  struct Row {
    int members = 0;
    bool released = false;
    std::optional<double> value;
  };
  static std::map<std::string, Row> Rows(const std::string& json_text) {
    std::map<std::string, Row> rows;
    const nlohmann::json doc = nlohmann::json::parse(json_text);
    for (const auto& j : doc["rows"]) {
      Row row;
      row.members = j["members"].get<int>();
      row.released = j["released"].get<bool>();
      if (!j["value"].is_null()) row.value = j["value"].get<double>();
      rows[absl::StrCat(j["month"].get<std::string>(), "/", j["product"].get<std::string>())] = row;
    }
    return rows;
  }

  std::vector<nlohmann::json> Audit(const std::string& member) {
    return AuditEntries(Get(member).dir);
  }

  static CommandResult Verify(const std::string& file, const std::string& roster = "") {
    std::vector<std::string> args = {"verify", file, "--format", "json"};
    if (!roster.empty()) args.insert(args.end(), {"--roster", roster});
    return RunCommand(RunfilePath("tools/cairnctl/cairnctl"), args);
  }

  std::string Logs() {
    std::string logs;
    for (const Member& m : members_) absl::StrAppend(&logs, "--- ", m.name, "\n", m.daemon->Log());
    return logs;
  }

  std::vector<Member> members_;
};

TEST_F(FederationTest, TheTotalIsExactlyTheSumOfTheMembersLocalAnswers) {
  StartMembers({"alpha", "beta", "gamma", "delta"});
  EveryoneJoins();
  const std::string kept = Get("alpha").dir + "/bench.result";
  CommandResult r = Federate({"--out", kept});
  ASSERT_EQ(r.exit_code, 0) << r.err << Logs();
  EXPECT_THAT(r.err, HasSubstr("4 members contributed (alpha, beta, delta, gamma)"));

  std::map<std::string, double> expected;
  std::map<std::string, int> holders;
  for (const Member& m : members_) {
    for (const auto& [group, sum] : LocalSums(m.name)) {
      expected[group] += sum;
      ++holders[group];
    }
  }
  std::map<std::string, Row> rows = Rows(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  // January P1: all four members; February P2: three; February P1: only alpha, withheld.
  EXPECT_EQ(rows["2026-01/P1"].members, 4);
  EXPECT_EQ(rows["2026-02/P2"].members, 3);
  EXPECT_EQ(rows["2026-02/P1"].members, 1);
  for (const auto& [group, row] : rows) {
    EXPECT_EQ(row.members, holders[group]) << group;
    if (row.members >= 3) {
      ASSERT_TRUE(row.released && row.value) << group;
      EXPECT_EQ(*row.value, expected[group]) << group;  // exact: no noise, binary fractions
    } else {
      EXPECT_FALSE(row.released) << group;
      EXPECT_FALSE(row.value) << group << ": a group of one member must not be shown";
    }
  }
  // Hand-checked: January P1 is sum over i of (100 i + 0.25) + (7 i + 0.5) for i = 1..4.
  EXPECT_EQ(*rows["2026-01/P1"].value, 1070 + 3.0);

  // Anyone with the roster can recompute the total from the signed contributions.
  CommandResult v = Verify(kept, Get("beta").dir + "/roster.toml");
  ASSERT_EQ(v.exit_code, 0) << v.err;
  const nlohmann::json attestation = nlohmann::json::parse(v.out)["attestation"];
  EXPECT_EQ(attestation["consortium"], "steel-bench");
  EXPECT_EQ(attestation["cohort"], nlohmann::json({"alpha", "beta", "delta", "gamma"}));
  EXPECT_EQ(attestation["proposed_cohort_size"], 4);

  // Every member audited its release, under the hash verify prints; the requester its round.
  for (const Member& m : members_) {
    int released = 0;
    for (const auto& e : Audit(m.name)) {
      if (e["kind"] != "federated") continue;
      ++released;
      EXPECT_EQ(e["decision"], "allowed");
      EXPECT_EQ(e["partner"], "alpha");
      EXPECT_EQ(e["grant"], "bench");
      EXPECT_EQ(e["result_hash"], attestation["release_hash"]);
    }
    EXPECT_EQ(released, 1) << m.name;
  }
  int requests = 0;
  for (const auto& e : Audit("alpha")) requests += e["kind"] == "federated-request";
  EXPECT_EQ(requests, 1);
}

TEST_F(FederationTest, AMeanAndARatioPoolTheMembersTotals) {
  StartMembers({"alpha", "beta", "gamma"});
  EveryoneJoins();
  CommandResult r = Cairnctl(
      Get("alpha").dir, {"federate", "--consortium", kConsortium, "--metric", "co2e_scope1",
                         "--ratio-to", "units_produced", "--group-by", "month", "--from", "2026-01",
                         "--to", "2026-03", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << Logs();
  auto rows = nlohmann::json::parse(r.out)["rows"];
  ASSERT_EQ(rows.size(), 2u) << r.out;
  // January: emissions sum over i = 1..3 of 107 i + 0.75 = 644.25; units 10 i: 60.
  EXPECT_EQ(rows[0]["month"], "2026-01");
  EXPECT_EQ(rows[0]["members"], 3);
  EXPECT_DOUBLE_EQ(rows[0]["value"].get<double>(), 644.25 / 60);
  // February: P2 (50 i + 0.125) for every member plus alpha's 33 kg of P1; units 4 i: 24.
  EXPECT_DOUBLE_EQ(rows[1]["value"].get<double>(), (300.375 + 33) / 24);
}

TEST_F(FederationTest, AKeptResultThatWasChangedOrReSignedIsRejected) {
  StartMembers({"alpha", "beta", "gamma"});
  EveryoneJoins();
  const std::string kept = Get("alpha").dir + "/bench.result";
  ASSERT_EQ(Federate({"--out", kept}).exit_code, 0) << Logs();
  const std::string roster = Get("gamma").dir + "/roster.toml";
  ASSERT_EQ(Verify(kept, roster).exit_code, 0);
  absl::StatusOr<KeptFederatedResult> original = DearmorFederatedResult(ReadTextFile(kept));
  ASSERT_TRUE(original.ok()) << original.status();

  auto rejected = [&](const std::string& what, const FederatedResult& changed) {
    const std::string path = Get("alpha").dir + "/changed.result";
    WriteTextFile(path, ArmorFederatedResult(changed, original->roster_text));
    CommandResult v = Verify(path, roster);
    EXPECT_EQ(v.exit_code, 1) << what << ": " << v.out;
    EXPECT_THAT(v.err, HasSubstr("REJECTED")) << what;
  };
  {  // A published total that is not the sum of the contributions.
    FederatedResult changed = original->result;
    ASSERT_FALSE(changed.rows.empty());
    changed.rows[0].value = *changed.rows[0].value + 1;
    changed.rows[0].totals[0] += 1;
    rejected("a changed total", changed);
  }
  {  // One byte of a member's signed contribution.
    FederatedResult changed = original->result;
    changed.values[1].body.back() ^= 1;
    rejected("a changed contribution", changed);
  }
  {  // Two members' signatures swapped.
    FederatedResult changed = original->result;
    std::swap(changed.values[0].signature, changed.values[1].signature);
    rejected("swapped signatures", changed);
  }
  {  // A contribution left out (the total then lacks a member's masks).
    FederatedResult changed = original->result;
    changed.values.pop_back();
    rejected("a missing contribution", changed);
  }
  {  // The roster of another consortium: the requester is not on it.
    const std::string other = Get("alpha").dir + "/other-roster.toml";
    std::string text = original->roster_text;
    text.replace(text.find("name = \"alpha\""), 14, "name = \"zulu\"");
    WriteTextFile(other, text);
    CommandResult v = Verify(kept, other);
    EXPECT_EQ(v.exit_code, 0) << "renaming keeps the keys: " << v.err;
    std::string stranger = Roster({"beta", "gamma"});
    WriteTextFile(other, stranger);
    v = Verify(kept, other);
    EXPECT_EQ(v.exit_code, 1) << "a requester not on the verifier's roster: " << v.out;
  }
}

TEST_F(FederationTest, AMemberRefusesACohortWithSomeoneNotOnItsRoster) {
  StartMembers({"alpha", "beta", "gamma", "delta"});
  const std::string full = Roster();
  Join("alpha", full);
  Join("beta", full);
  Join("delta", full);
  // gamma's steward never agreed to delta: its own copy of the roster lacks it.
  Join("gamma", Roster({"alpha", "beta", "gamma"}));
  CommandResult r = Federate({"--members", "alpha,beta,gamma,delta"});
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("gamma (refused at propose): cohort member ",
                                            FingerprintOf(Get("delta").dir),
                                            " is not on this member's roster of consortium "
                                            "steel-bench")));
  // The others agree on delta, and three is enough for them: the round goes on without gamma,
  // whose figures are in no total.
  ASSERT_EQ(r.exit_code, 0) << r.err << Logs();
  EXPECT_THAT(r.err, HasSubstr("3 members contributed (alpha, beta, delta)"));
  std::map<std::string, double> expected;
  for (const char* name : {"alpha", "beta", "delta"}) {
    for (const auto& [group, sum] : LocalSums(name)) expected[group] += sum;
  }
  std::map<std::string, Row> rows = Rows(r.out);
  EXPECT_EQ(rows["2026-01/P1"].members, 3);
  ASSERT_TRUE(rows["2026-01/P1"].value);
  EXPECT_EQ(*rows["2026-01/P1"].value, expected["2026-01/P1"]);
  EXPECT_FALSE(rows["2026-02/P2"].released) << "only alpha and beta have February P2";
  // gamma audited the refusal; it released nothing.
  bool refused = false;
  for (const auto& e : Audit("gamma")) {
    if (e["kind"] != "federated") continue;
    EXPECT_EQ(e["decision"], "denied") << e.dump();
    refused = true;
  }
  EXPECT_TRUE(refused);
}

TEST_F(FederationTest, AMemberRefusesACohortBelowItsMinimumAndSaysWhy) {
  StartMembers({"alpha", "beta", "gamma", "delta"});
  const std::string roster = Roster();
  Join("alpha", roster, 3);
  Join("beta", roster, 3);
  Join("gamma", roster, 3);
  Join("delta", roster, 4);  // delta answers only cohorts of four or more
  CommandResult r = Federate({"--members", "alpha,beta,delta"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.err, HasSubstr("delta (refused at propose): the proposed cohort has 3 members; "
                               "this member's minimum is 4"));
  // The same cohort plus gamma is large enough for everyone.
  CommandResult ok = Federate({"--members", "alpha,beta,gamma,delta"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err << Logs();
}

TEST_F(FederationTest, ACohortThatDiffersByOneMemberIsRefusedAlsoAfterARestart) {
  StartMembers({"alpha", "beta", "gamma", "delta"});
  EveryoneJoins();
  ASSERT_EQ(Federate().exit_code, 0) << Logs();
  // The same shape again with the same cohort is fine: it reveals nothing new.
  ASSERT_EQ(Federate().exit_code, 0) << Logs();

  // Without delta, the new total minus the first would be delta's figure.
  CommandResult r = Federate({"--members", "alpha,beta,gamma"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.err, HasSubstr("beta (refused at propose): the cohort differs in 1 member"));
  EXPECT_THAT(r.out, Not(HasSubstr("value")));

  // beta remembers after a restart (its cohort memory is in its store).
  Member& beta = Get("beta");
  ASSERT_EQ(beta.daemon->Stop(), 0) << beta.daemon->Log();
  ASSERT_TRUE(beta.daemon->Start().ok()) << beta.daemon->Log();
  CommandResult again = Federate({"--members", "alpha,beta,gamma"});
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_THAT(again.err, HasSubstr("beta (refused at propose): the cohort differs in 1 member"));
  nlohmann::json list = CairnctlJson(beta.dir, {"consortium", "list"});
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["remembered_cohorts"], 1);
}

TEST_F(FederationTest, AMemberLostAfterCommittingIsLeftOutOfTheRetry) {
  // delta commits to the round, then dies before it sends its counts.
  StartMembers({"alpha", "beta", "gamma", "delta"},
               {{"delta", {"CAIRN_FAILPOINT=before-federated-counts"}}});
  EveryoneJoins();
  CommandResult r = Federate({"--min-contributors", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err << Logs();
  EXPECT_THAT(r.err, HasSubstr("3 members contributed (alpha, beta, gamma), after 2 attempts"));
  EXPECT_THAT(r.err, HasSubstr("delta (dropped out at "));
  // The total is that of the three who remained: nothing of delta's, nothing partial.
  std::map<std::string, double> expected;
  for (const char* name : {"alpha", "beta", "gamma"}) {
    for (const auto& [group, sum] : LocalSums(name)) expected[group] += sum;
  }
  std::map<std::string, Row> rows = Rows(r.out);
  EXPECT_EQ(rows["2026-01/P1"].members, 3);
  ASSERT_TRUE(rows["2026-01/P1"].value);
  EXPECT_EQ(*rows["2026-01/P1"].value, expected["2026-01/P1"]);
  ASSERT_TRUE(rows["2026-02/P2"].value);
  EXPECT_EQ(*rows["2026-02/P2"].value, expected["2026-02/P2"]);
}

TEST_F(FederationTest, AMemberLostAfterTheOthersSentTheirFiguresReleasesNothing) {
  // delta dies after it committed its release, as the others send their value vectors. A
  // retry without it could isolate delta's figure (the requester may have everything), so the
  // others refuse it, and no total is published.
  StartMembers({"alpha", "beta", "gamma", "delta"},
               {{"delta", {"CAIRN_FAILPOINT=after-federated-commit"}}});
  EveryoneJoins();
  const std::string kept = Get("alpha").dir + "/never.result";
  CommandResult r = Federate({"--out", kept});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.err, HasSubstr("delta (dropped out at "));
  EXPECT_THAT(r.out, Not(HasSubstr("value")));
  EXPECT_FALSE(RunCommand("/usr/bin/test", {"-e", kept}).exit_code == 0) << "a result was kept";
  // The requester audited the failed round.
  bool failed = false;
  for (const auto& e : Audit("alpha")) {
    if (e["kind"] == "federated-request") failed = e["decision"] != "allowed";
  }
  EXPECT_TRUE(failed);
}

}  // namespace
}  // namespace cairn::testing
