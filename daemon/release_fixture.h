// An in-process participant for tests of the release path: a scratch store with a few months
// of energy records, the owner's identity, one registered partner, a manual clock, and the
// real gate, steward, audit writer and pipeline — no processes, sockets or TLS. A test asks
// as the partner and gets the opened, verified rows, or the refusal:
//
//   ASSERT_TRUE(Apply(kPolicy).ok());
//   EXPECT_THAT(Ask(Sum("energy").By("product")), IsOkAndHoldsRows(3));
//
// Test-only. One thread drives it (the pipeline's own writer and reader threads aside).
#ifndef CAIRN_DAEMON_RELEASE_FIXTURE_H_
#define CAIRN_DAEMON_RELEASE_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "crypto/identity.h"
#include "daemon/partner_service.h"
#include "daemon/release/release_path.h"
#include "daemon/release/release_pipeline.h"
#include "daemon/service_context.h"
#include "daemon/worker_thread.h"
#include "gtest/gtest.h"
#include "model/query.h"
#include "participant/config.h"
#include "participant/data_dir.h"
#include "protocol/signed_envelope.h"
#include "storage/audit_entry.h"
#include "storage/database.h"
#include "storage/nonce_store.h"
#include "storage/partner_store.h"
#include "storage/record_store.h"

namespace cairn::release_testing {

// 2026-06-15T12:00:00Z: the fixture's clock at start.
inline constexpr Timestamp kStart = 1781524800LL * kMicrosPerSecond;

// A query built in one line: Sum("energy").From("2026-01").To("2026-04").By("month").
class QueryBuilder {
 public:
  QueryBuilder(Aggregate aggregate, std::string metric);
  QueryBuilder& From(const char* time);
  QueryBuilder& To(const char* time);
  QueryBuilder& By(const std::string& group);  // "month", "quarter", ... or a tag
  QueryBuilder& Where(const std::string& tag, std::vector<std::string> values);
  operator Query() const { return query_; }  // NOLINT: a builder reads best converting in place

 private:
  Query query_;
};
inline QueryBuilder Sum(std::string metric) { return QueryBuilder(Aggregate::kSum, metric); }
inline QueryBuilder Count(std::string metric) { return QueryBuilder(Aggregate::kCount, metric); }

class ReleasePathTest : public ::testing::Test {
 protected:
  ReleasePathTest();
  ~ReleasePathTest() override;

  // Energy records of products P1 (40 a month), P2 (20) and P3 (1) on line L1 of site S1,
  // January to May 2026, one a day from the 1st, each 10 kWh.
  void ImportPlantData();
  void Import(const std::string& metric, Tags tags, Timestamp at, double value);

  // As cairnd restarting: the release path and its threads are rebuilt over the same store.
  void Restart();

  absl::Status Apply(absl::string_view policy_toml);
  absl::Status AllowMetrics(const std::vector<std::string>& metrics);

  // Asks `query` as the registered partner "acme": signs the request at the clock's time, runs
  // it through the release pipeline, opens and verifies the answer.
  absl::StatusOr<QueryResult> Ask(const Query& query);
  // The same with a request the test built (replays, other signers, other addressees).
  absl::StatusOr<QueryResult> AskWith(const SignedBytes& request, const PublicKey& peer);
  SignedBytes Sign(const Query& query, const Identity& from, Timestamp at);

  // Every audit entry, oldest first.
  std::vector<AuditEntry> Audit() const;
  std::vector<AuditEntry> AuditOf(AuditKind kind, AuditDecision decision) const;

  ManualClock clock_{kStart};
  Identity owner_;
  Identity acme_;      // registered as partner "acme"
  Identity stranger_;  // not registered
  Partner acme_partner_;
  Config config_;
  std::unique_ptr<DataDir> dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<RecordStore> records_;
  std::unique_ptr<PartnerStore> partners_;
  std::unique_ptr<NonceStore> nonces_;
  std::unique_ptr<ParticipantIdentity> me_;
  ReleasePath path_;
  std::unique_ptr<WorkerThread> writer_;
  std::unique_ptr<WorkerPool> readers_;
  std::unique_ptr<ReleasePipeline> pipeline_;
  std::unique_ptr<ServiceContext> context_;
};

}  // namespace cairn::release_testing

#endif  // CAIRN_DAEMON_RELEASE_FIXTURE_H_
