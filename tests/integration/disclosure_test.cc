// The owner decides, end to end: policies applied through cairnctl, enforced on partner queries
// between two daemons, and traced in the audit log. The attack suite from DESIGN.md — differencing
// by tag, by overlapping ranges and by group splitting, averaging repeated noisy answers,
// exhausting a budget then restarting, an expired grant, a partner revoked mid-session and a
// replayed request — each ends as documented, with its audit entry. And the daemon is killed at
// every step between decision and release: nothing is ever released without its audit entry and
// budget debit, and a failed audit write makes it refuse partner queries.
#include "base/clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "crypto/tls.h"
#include "daemon/peer_client.h"
#include "nlohmann/json.hpp"
#include "participant/participant_identity.h"
#include "protocol/rpc_status.h"
#include "tests/integration/harness.h"

namespace cairn::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// P1 and P2: 48 hourly records each on Jan 1-2; P3: 3 records. Jan 3: 2 records (P1).
std::string PlantCsv() {
  std::string csv = "timestamp,site,line,product,metric,value,unit\n";
  auto row = [&](int day, int hour, const char* product, const char* metric, double v) {
    absl::StrAppend(&csv, absl::StrFormat("2026-01-%02dT%02d:00:00Z", day, hour), ",gent,L1,",
                    product, ",", metric, ",", v, ",", metric[0] == 'u' ? "count" : "kg", "\n");
  };
  for (int day = 1; day <= 2; ++day) {
    for (int h = 0; h < 24; ++h) {
      row(day, h, "P1", "co2e_scope1", 10 + h);
      row(day, h, "P1", "units_produced", 5);
      row(day, h, "P2", "co2e_scope1", 20 + h);
      row(day, h, "P2", "units_produced", 4);
    }
  }
  for (int h = 0; h < 3; ++h) row(1, h, "P3", "co2e_scope1", 99);
  row(3, 1, "P1", "co2e_scope1", 7);
  row(3, 2, "P1", "co2e_scope1", 8);
  for (int day = 1; day <= 20; ++day) {
    for (int h = 0; h < 24; h += 2) {
      absl::StrAppend(&csv, absl::StrFormat("2026-01-%02dT%02d:00:00Z", day, h),
                      ",gent,L1,P1,energy,", 50 + h, ",kWh\n");
    }
  }
  return csv;
}

constexpr char kPolicy[] = R"(version = 1

[groups]
benchmark = ["autowerk"]

[[grant]]
name = "cbam"
partner = "autowerk"
purpose = "CBAM reporting"
release = "exact"
metrics = ["co2e_scope1", "units_produced"]
aggregates = ["sum", "count"]
ratios = ["co2e_scope1/units_produced"]
filter_tags = ["product"]
group_tags = ["product"]
finest = "day"
min_records = 10
min_series = 1

[[grant]]
name = "energy-bench"
group = "benchmark"
purpose = "energy benchmark"
release = "protected"
metrics = ["energy"]
aggregates = ["sum", "mean"]
group_tags = ["line"]
finest = "day"
min_records = 5
min_series = 1

  [grant.privacy]
  epsilon = 0.5
  budget = BUDGET
  period = "month"
  clamp.energy = { lo = 0.0, hi = 200.0, resolution = 0.1 }

[[grant]]
name = "old-water"
partner = "autowerk"
purpose = "an expired agreement"
release = "exact"
metrics = ["water"]
aggregates = ["sum"]
finest = "year"
valid_until = 2020-01-01T00:00:00Z

[[deny]]
name = "no-batch"
reason = "batch-level figures are never shared"
tags = ["batch"]
)";

// The supplier's budget row for a partner and grant, or null.
nlohmann::json BudgetOf(const std::string& dir, const std::string& grant) {
  for (const auto& row : CairnctlJson(dir, {"budget"})) {
    if (row["grant"] == grant) return row;
  }
  return nullptr;
}

class DisclosureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A fixed port: the supplier restarts in some tests and the customer must still find it.
    supplier_dir_ =
        InitDataDir("supplier", "Gent Steel", absl::StrCat("127.0.0.1:", FreeLoopbackPort()));
    customer_dir_ = InitDataDir("customer", "Autowerk AG");
    supplier_ = std::make_unique<DaemonProcess>(supplier_dir_);
    customer_ = std::make_unique<DaemonProcess>(customer_dir_);
    ASSERT_TRUE(supplier_->Start().ok()) << supplier_->Log();
    ASSERT_TRUE(customer_->Start().ok()) << customer_->Log();
    WriteTextFile(supplier_dir_ + "/plant.csv", PlantCsv());
    CommandResult imported = Cairnctl(supplier_dir_, {"import", supplier_dir_ + "/plant.csv"});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    ASSERT_EQ(Cairnctl(supplier_dir_,
                       {"partner", "add", "autowerk", "--cert", customer_dir_ + "/identity.crt"})
                  .exit_code,
              0);
    ASSERT_EQ(Cairnctl(customer_dir_,
                       {"partner", "add", "gent", "--cert", supplier_dir_ + "/identity.crt",
                        "--endpoint", PartnerAddress(supplier_dir_)})
                  .exit_code,
              0);
  }
  void ApplyPolicy(const std::string& budget = "1.0") {
    std::string text = kPolicy;
    text.replace(text.find("BUDGET"), 6, budget);
    WriteTextFile(supplier_dir_ + "/policy.toml", text);
    CommandResult r = Cairnctl(supplier_dir_, {"policy", "apply", supplier_dir_ + "/policy.toml"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // The customer asks the supplier; returns the JSON rows, or the error in `error`.
  nlohmann::json Ask(const std::vector<std::string>& query, std::string* error = nullptr) {
    std::vector<std::string> args = {"query", "--peer", "gent", "--format", "json"};
    args.insert(args.end(), query.begin(), query.end());
    CommandResult r = Cairnctl(customer_dir_, args);
    if (error) *error = r.err;
    if (r.exit_code != 0) return nlohmann::json();
    return nlohmann::json::parse(r.out)["rows"];
  }
  // The supplier's latest audit entry about a query of the customer.
  nlohmann::json LastQueryAudit() {
    return FindAudit(AuditEntries(supplier_dir_), "query", "autowerk");
  }

  std::string supplier_dir_, customer_dir_;
  std::unique_ptr<DaemonProcess> supplier_, customer_;

  // The kill-at-each-step check; `also` adds failpoints (",pipeline-always").
  void KillAtEachStep(const std::string& also);
};

TEST_F(DisclosureTest, NoPolicyMeansTheAllowListAndItDeniesByDefault) {
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("may not ask about metric co2e_scope1"));
  EXPECT_EQ(LastQueryAudit()["decision"], "denied");
}

TEST_F(DisclosureTest, AnInvalidPolicyFileNamesItsLineAndChangesNothing) {
  ApplyPolicy();
  std::string bad = kPolicy;
  bad.replace(bad.find("BUDGET"), 6, "1.0");
  bad.replace(bad.find("min_records = 10"), 16, "min_recrods = 10");
  WriteTextFile(supplier_dir_ + "/bad.toml", bad);
  CommandResult r = Cairnctl(supplier_dir_, {"policy", "apply", supplier_dir_ + "/bad.toml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("bad.toml:17:1: grant 'cbam': unknown field 'min_recrods'"));
  EXPECT_THAT(r.err, HasSubstr("min_recrods"));
  nlohmann::json history = CairnctlJson(supplier_dir_, {"policy", "history"});
  ASSERT_EQ(history.size(), 1u) << "no second version";
  EXPECT_EQ(history[0]["version"], 1);
  EXPECT_EQ(CairnctlJson(supplier_dir_, {"policy", "list"}).size(), 3u) << "the three grants";
}

TEST_F(DisclosureTest, PolicyCheckGivesThePartnersReasonAndSpendsNothing) {
  ApplyPolicy();
  const std::vector<std::string> denied = {"policy",   "check",       "--partner", "autowerk",
                                           "--metric", "co2e_scope1", "--agg",     "max"};
  EXPECT_EQ(Cairnctl(supplier_dir_, denied).exit_code, 3);
  nlohmann::json check = CairnctlJson(supplier_dir_, denied);
  EXPECT_EQ(check["allowed"], false);
  std::string reason = check["reason"].get<std::string>();
  EXPECT_FALSE(reason.empty());
  std::string error;
  Ask({"--metric", "co2e_scope1", "--agg", "max"}, &error);
  EXPECT_THAT(error, HasSubstr(reason));
  CommandResult ok = Cairnctl(supplier_dir_, {"policy", "check", "--partner", "autowerk",
                                              "--metric", "energy", "--group-by", "line"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  nlohmann::json budget = BudgetOf(supplier_dir_, "energy-bench");
  ASSERT_TRUE(budget.is_object());
  EXPECT_EQ(budget["spent"], 0.0);
  EXPECT_EQ(budget["budget"], 1.0);
}

TEST_F(DisclosureTest, SmallGroupsAreWithheldAndCounted) {
  ApplyPolicy();
  nlohmann::json rows = Ask({"--metric", "co2e_scope1", "--group-by", "product"});
  ASSERT_EQ(rows.size(), 2u) << "P3 has 3 records, below min_records = 10";
  EXPECT_EQ(rows[0]["product"], "P1");
  EXPECT_EQ(LastQueryAudit()["decision"], "allowed");
}

TEST_F(DisclosureTest, DifferencingByTagValueIsRefused) {
  ApplyPolicy();
  EXPECT_FALSE(Ask({"--metric", "co2e_scope1", "--where", "product=P1,P2,P3"}).is_null());
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1", "--where", "product=P1,P2"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("would single out"));
  EXPECT_EQ(LastQueryAudit()["decision"], "denied");
}

TEST_F(DisclosureTest, DifferencingByOverlappingRangesIsRefused) {
  ApplyPolicy();
  EXPECT_FALSE(Ask({"--metric", "co2e_scope1", "--where", "product=P1", "--from", "2026-01-01",
                    "--to", "2026-01-04"})
                   .is_null());
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1", "--where", "product=P1", "--from", "2026-01-01",
                   "--to", "2026-01-03"},
                  &error)
                  .is_null());
  EXPECT_THAT(error, HasSubstr("would single out"));
  EXPECT_EQ(LastQueryAudit()["decision"], "denied");
}

TEST_F(DisclosureTest, DifferencingByGroupSplittingIsRefused) {
  ApplyPolicy();
  EXPECT_FALSE(Ask({"--metric", "co2e_scope1"}).is_null());  // P1 + P2 + P3
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1", "--group-by", "product"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("would single out"));
  EXPECT_EQ(LastQueryAudit()["decision"], "denied");
}

TEST_F(DisclosureTest, RepeatingANoisyQueryGainsNothing) {
  ApplyPolicy();
  nlohmann::json first = Ask({"--metric", "energy", "--group-by", "line"});
  nlohmann::json second = Ask({"--metric", "energy", "--group-by", "line"});
  ASSERT_FALSE(first.is_null());
  EXPECT_EQ(first, second) << "a repeat returns the identical released answer";
  nlohmann::json repeat = LastQueryAudit();
  EXPECT_EQ(repeat["epsilon_micros"], 0);
  EXPECT_THAT(repeat["reason"].get<std::string>(), HasSubstr("no new cost"));
  nlohmann::json budget = BudgetOf(supplier_dir_, "energy-bench");
  EXPECT_EQ(budget["spent"], 0.5);
  EXPECT_EQ(budget["budget"], 1.0);
  EXPECT_EQ(budget["left"], 0.5);
}

TEST_F(DisclosureTest, AnExhaustedBudgetStaysExhaustedAfterARestart) {
  ApplyPolicy();
  EXPECT_FALSE(Ask({"--metric", "energy", "--group-by", "line"}).is_null());
  EXPECT_FALSE(Ask({"--metric", "energy", "--agg", "mean", "--group-by", "line"}).is_null());
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "energy"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("used up: 0 of 1 left"));
  EXPECT_THAT(error, HasSubstr("renews at"));
  supplier_->Stop();
  ASSERT_TRUE(supplier_->Start().ok());
  customer_->Stop();  // drop the old connection
  ASSERT_TRUE(customer_->Start().ok());
  EXPECT_TRUE(Ask({"--metric", "energy"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("used up"));
  EXPECT_EQ(LastQueryAudit()["decision"], "denied");
}

TEST_F(DisclosureTest, AnExpiredGrantIsDenied) {
  ApplyPolicy();
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "water"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("old-water"));
  EXPECT_EQ(LastQueryAudit()["decision"], "denied");
}

TEST_F(DisclosureTest, ADenyRuleWins) {
  ApplyPolicy();
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1", "--where", "batch=b1"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("batch-level figures are never shared"));
}

TEST_F(DisclosureTest, ARevokedPartnerIsCutOffAndTheRevocationAudited) {
  ApplyPolicy();
  EXPECT_FALSE(Ask({"--metric", "co2e_scope1", "--group-by", "product"}).is_null());
  ASSERT_EQ(Cairnctl(supplier_dir_, {"partner", "revoke", "autowerk"}).exit_code, 0);
  nlohmann::json revoked = FindAudit(AuditEntries(supplier_dir_), "partner-revoke");
  ASSERT_TRUE(revoked.is_object()) << "the revocation is audited";
  EXPECT_THAT(revoked["reason"].get<std::string>(), HasSubstr("autowerk"));
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1", "--group-by", "product"}, &error).is_null());
}

TEST_F(DisclosureTest, AReplayedRequestIsRefusedAndAudited) {
  ApplyPolicy();
  kj::AsyncIoContext io = kj::setupAsyncIo();
  ParticipantIdentity me = *LoadParticipantIdentity(DataDir(customer_dir_));
  ParticipantIdentity server = *LoadParticipantIdentity(DataDir(supplier_dir_));
  auto tls = std::shared_ptr<MutualTls>(*MutualTlsBuilder(me.identity, me.certificate_pem)
                                             .AddTrustedPeer(server.certificate_pem)
                                             .SetTimer(io.provider->getTimer())
                                             .Build());
  auto connection =
      PeerConnection::Open(io.provider->getNetwork(), tls, PartnerAddress(supplier_dir_),
                           server.certificate.fingerprint, capnp::ReaderOptions())
          .wait(io.waitScope);
  Query q;
  q.metric = "co2e_scope1";
  SignedBytes request =
      *SignQueryRequest(me.identity, server.certificate.public_key, q, SystemClock().Now());
  connection->Send(request).wait(io.waitScope);
  KJ_IF_MAYBE (e,
               kj::runCatchingExceptions([&] { connection->Send(request).wait(io.waitScope); })) {
    EXPECT_THAT(ExceptionToStatus(*e).message(), HasSubstr("replayed"));
  } else {
    ADD_FAILURE() << "the replay was answered";
  }
  EXPECT_EQ(LastQueryAudit()["decision"], "denied");
  EXPECT_THAT(LastQueryAudit()["reason"].get<std::string>(), HasSubstr("replayed"));
}

TEST_F(DisclosureTest, EveryRequestIsAuditedAndTheChainVerifies) {
  ApplyPolicy();
  Ask({"--metric", "co2e_scope1", "--group-by", "product"});
  Ask({"--metric", "co2e_scope1", "--agg", "max"});
  Ask({"--metric", "energy", "--group-by", "line"});
  std::vector<nlohmann::json> audit = AuditEntries(supplier_dir_);
  EXPECT_TRUE(FindAudit(audit, "partner-add", "autowerk").is_object());
  EXPECT_TRUE(FindAudit(audit, "policy-apply").is_object());
  std::map<std::string, int> decisions;
  for (const auto& e : audit) {
    if (e["kind"] != "query") continue;
    decisions[e["decision"].get<std::string>()]++;
    if (e["grant"] == "energy-bench") {
      EXPECT_EQ(e["epsilon_micros"], 500000);
      EXPECT_NE(e["result_hash"], "");
    }
  }
  EXPECT_EQ(decisions["allowed"], 2);
  EXPECT_EQ(decisions["denied"], 1);
  nlohmann::json verified = CairnctlJson(supplier_dir_, {"audit", "verify"});
  EXPECT_EQ(verified["ok"], true);
  EXPECT_EQ(verified["entries"], audit.size());
  // The receipt in the kept answer names the audit entry.
  std::string kept = customer_dir_ + "/kept.txt";
  ASSERT_EQ(Cairnctl(customer_dir_,
                     {"query", "--peer", "gent", "--metric", "co2e_scope1", "--group-by", "product",
                      "--from", "2026-01-01", "--to", "2026-01-02", "--out", kept})
                .exit_code,
            0);
  CommandResult v = Cairnctl(customer_dir_, {"verify", kept, "--format", "json"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  std::string receipt = nlohmann::json::parse(v.out)["attestation"]["receipt"];
  nlohmann::json entry = CairnctlJson(supplier_dir_, {"audit", "show", receipt});
  EXPECT_EQ(entry["decision"], "allowed");
  EXPECT_EQ(entry["hash"], receipt);
}

void DisclosureTest::KillAtEachStep(const std::string& also) {
  ApplyPolicy("100");
  int day = 1;
  for (const char* step :
       {"after-decision", "after-execute", "before-commit", "after-commit", "before-release"}) {
    SCOPED_TRACE(step);
    size_t entries_before = AuditEntries(supplier_dir_).size();
    supplier_->Stop();
    ASSERT_TRUE(supplier_->Start({std::string("CAIRN_FAILPOINT=") + step + also}).ok());
    customer_->Stop();
    ASSERT_TRUE(customer_->Start().ok());
    // A new query each time, so that no earlier answer is reused.
    std::string from = absl::StrFormat("2026-01-%02d", day++);
    std::string error;
    nlohmann::json rows = Ask({"--metric", "energy", "--from", from, "--to", "2026-01-21"}, &error);
    EXPECT_TRUE(rows.is_null()) << "an answer left the daemon although it died before release";
    supplier_->Kill();
    ASSERT_TRUE(supplier_->Start({"CAIRN_FAILPOINT=" + also}).ok());
    std::vector<nlohmann::json> audit = AuditEntries(supplier_dir_);
    bool written = std::string(step) == "after-commit" || std::string(step) == "before-release";
    EXPECT_EQ(audit.size(), entries_before + (written ? 1 : 0));
    // Debits equal the epsilon of the audited releases, always.
    int64_t audited = 0;
    for (const auto& e : audit) audited += e["epsilon_micros"].get<int64_t>();
    nlohmann::json budget = BudgetOf(supplier_dir_, "energy-bench");
    EXPECT_EQ(std::llround(budget["spent"].get<double>() * 1e6), audited);
    EXPECT_EQ(Cairnctl(supplier_dir_, {"audit", "verify"}).exit_code, 0);
  }
  nlohmann::json rows = Ask({"--metric", "energy", "--from", "2026-01-20", "--to", "2026-01-21"});
  EXPECT_FALSE(rows.is_null()) << "the same path answers when nothing fails";
}

// Kills the supplier at each step between the decision and the release of an answer: on the
// idle path (one request at a time: the writer does every step in one go) and on the
// pipeline across threads that cairnd uses when other work waits for the writer.
TEST_F(DisclosureTest, NothingIsReleasedWithoutItsAuditEntryAndDebit) { KillAtEachStep(""); }

TEST_F(DisclosureTest, NothingIsReleasedWithoutItsAuditEntryAndDebitOnThePipeline) {
  KillAtEachStep(",pipeline-always");
}

TEST_F(DisclosureTest, WhenTheAuditLogCannotBeWrittenPartnerQueriesAreRefused) {
  ApplyPolicy();
  supplier_->Stop();
  ASSERT_TRUE(supplier_->Start({"CAIRN_FAILPOINT=audit-write-fails"}).ok());
  customer_->Stop();
  ASSERT_TRUE(customer_->Start().ok());
  std::string error;
  // The partner learns that it must wait, not what went wrong inside; the steward sees why.
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1", "--group-by", "product"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("cannot answer partner queries right now"));
  EXPECT_THAT(error, Not(HasSubstr("failpoint")));
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1", "--group-by", "product"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("cannot answer partner queries right now"));
  nlohmann::json status = CairnctlJson(supplier_dir_, {"status"});
  EXPECT_THAT(status["partner_queries_refused"].get<std::string>(),
              HasSubstr("audit log cannot be written"));
  EXPECT_THAT(status["partner_queries_refused"].get<std::string>(),
              HasSubstr("refused until a write succeeds"));
}

}  // namespace
}  // namespace cairn::testing
