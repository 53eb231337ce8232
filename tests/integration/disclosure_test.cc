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

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "crypto/tls.h"
#include "participant/participant_identity.h"
#include "daemon/peer_client.h"
#include "nlohmann/json.hpp"
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

std::vector<nlohmann::json> AuditEntries(const std::string& dir) {
  CommandResult r = Cairnctl(dir, {"audit", "tail", "-n", "1000", "--json"});
  std::vector<nlohmann::json> out;
  for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    out.push_back(nlohmann::json::parse(line));
  }
  return out;
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
  nlohmann::json LastAudit() { return AuditEntries(supplier_dir_).back(); }

  std::string supplier_dir_, customer_dir_;
  std::unique_ptr<DaemonProcess> supplier_, customer_;

  // The kill-at-each-step check; `also` adds failpoints (",pipeline-always").
  void KillAtEachStep(const std::string& also);
};

TEST_F(DisclosureTest, NoPolicyMeansTheAllowListAndItDeniesByDefault) {
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("may not ask about metric co2e_scope1"));
  EXPECT_EQ(LastAudit()["decision"], "denied");
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
  EXPECT_THAT(Cairnctl(supplier_dir_, {"policy", "list"}).out, HasSubstr("policy version 1"));
  EXPECT_THAT(Cairnctl(supplier_dir_, {"policy", "history"}).out, Not(HasSubstr("v2")));
}

TEST_F(DisclosureTest, PolicyCheckGivesThePartnersReasonAndSpendsNothing) {
  ApplyPolicy();
  CommandResult check = Cairnctl(supplier_dir_, {"policy", "check", "--partner", "autowerk",
                                                 "--metric", "co2e_scope1", "--agg", "max"});
  EXPECT_EQ(check.exit_code, 3);
  std::string reason = check.out.substr(check.out.rfind("=> denied: ") + 11);
  reason = reason.substr(0, reason.find('\n'));
  std::string error;
  Ask({"--metric", "co2e_scope1", "--agg", "max"}, &error);
  EXPECT_THAT(error, HasSubstr(reason));
  CommandResult ok = Cairnctl(supplier_dir_, {"policy", "check", "--partner", "autowerk",
                                              "--metric", "energy", "--group-by", "line"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_THAT(Cairnctl(supplier_dir_, {"budget"}).out, HasSubstr("0          1"));
}

TEST_F(DisclosureTest, SmallGroupsAreWithheldAndCounted) {
  ApplyPolicy();
  nlohmann::json rows = Ask({"--metric", "co2e_scope1", "--group-by", "product"});
  ASSERT_EQ(rows.size(), 2u) << "P3 has 3 records, below min_records = 10";
  EXPECT_EQ(rows[0]["product"], "P1");
  EXPECT_EQ(LastAudit()["decision"], "allowed");
}

TEST_F(DisclosureTest, DifferencingByTagValueIsRefused) {
  ApplyPolicy();
  EXPECT_FALSE(Ask({"--metric", "co2e_scope1", "--where", "product=P1,P2,P3"}).is_null());
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1", "--where", "product=P1,P2"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("would single out"));
  EXPECT_EQ(LastAudit()["decision"], "denied");
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
  EXPECT_EQ(LastAudit()["decision"], "denied");
}

TEST_F(DisclosureTest, DifferencingByGroupSplittingIsRefused) {
  ApplyPolicy();
  EXPECT_FALSE(Ask({"--metric", "co2e_scope1"}).is_null());  // P1 + P2 + P3
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1", "--group-by", "product"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("would single out"));
  EXPECT_EQ(LastAudit()["decision"], "denied");
}

TEST_F(DisclosureTest, RepeatingANoisyQueryGainsNothing) {
  ApplyPolicy();
  nlohmann::json first = Ask({"--metric", "energy", "--group-by", "line"});
  nlohmann::json second = Ask({"--metric", "energy", "--group-by", "line"});
  ASSERT_FALSE(first.is_null());
  EXPECT_EQ(first, second) << "a repeat returns the identical released answer";
  std::vector<nlohmann::json> audit = AuditEntries(supplier_dir_);
  EXPECT_EQ(audit.back()["epsilon_micros"], 0);
  EXPECT_THAT(audit.back()["reason"].get<std::string>(), HasSubstr("no new cost"));
  EXPECT_THAT(Cairnctl(supplier_dir_, {"budget"}).out, HasSubstr("0.5          1        0.5"));
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
  EXPECT_EQ(LastAudit()["decision"], "denied");
}

TEST_F(DisclosureTest, AnExpiredGrantIsDenied) {
  ApplyPolicy();
  std::string error;
  EXPECT_TRUE(Ask({"--metric", "water"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("old-water"));
  EXPECT_EQ(LastAudit()["decision"], "denied");
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
  EXPECT_EQ(LastAudit()["kind"], "partner-revoke");
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
  EXPECT_EQ(LastAudit()["decision"], "denied");
  EXPECT_THAT(LastAudit()["reason"].get<std::string>(), HasSubstr("replayed"));
}

TEST_F(DisclosureTest, EveryRequestIsAuditedAndTheChainVerifies) {
  ApplyPolicy();
  Ask({"--metric", "co2e_scope1", "--group-by", "product"});
  Ask({"--metric", "co2e_scope1", "--agg", "max"});
  Ask({"--metric", "energy", "--group-by", "line"});
  std::vector<nlohmann::json> audit = AuditEntries(supplier_dir_);
  ASSERT_GE(audit.size(), 5u);  // partner-add, policy-apply, three queries
  EXPECT_EQ(audit[audit.size() - 3]["decision"], "allowed");
  EXPECT_EQ(audit[audit.size() - 2]["decision"], "denied");
  EXPECT_EQ(audit.back()["epsilon_micros"], 500000);
  EXPECT_NE(audit.back()["result_hash"], "");
  CommandResult verify = Cairnctl(supplier_dir_, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  // The receipt in the kept answer names the audit entry.
  std::string kept = customer_dir_ + "/kept.txt";
  ASSERT_EQ(Cairnctl(customer_dir_,
                     {"query", "--peer", "gent", "--metric", "co2e_scope1", "--group-by", "product",
                      "--from", "2026-01-01", "--to", "2026-01-02", "--out", kept})
                .exit_code,
            0);
  CommandResult v = RunCommand(RunfilePath("tools/cairnctl/cairnctl"), {"verify", kept});
  std::string receipt = v.out.substr(v.out.find("receipt    ") + 11, 64);
  CommandResult entry = Cairnctl(supplier_dir_, {"audit", "show", receipt});
  EXPECT_EQ(entry.exit_code, 0) << entry.err;
  EXPECT_THAT(entry.out, HasSubstr("\"decision\": \"allowed\""));
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
    std::string budget = Cairnctl(supplier_dir_, {"budget"}).out;
    EXPECT_THAT(budget, HasSubstr(absl::StrFormat("%g ", audited / 1e6)));
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
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1", "--group-by", "product"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("audit log cannot be written"));
  EXPECT_TRUE(Ask({"--metric", "co2e_scope1", "--group-by", "product"}, &error).is_null());
  EXPECT_THAT(error, HasSubstr("partner queries are refused until a write succeeds"));
  EXPECT_THAT(Cairnctl(supplier_dir_, {"status"}).out, HasSubstr("partner queries refused"));
}

}  // namespace
}  // namespace cairn::testing
