#include "daemon/release_fixture.h"

#include "absl/strings/str_cat.h"
#include "crypto/certificate.h"
#include "crypto/secret.h"
#include "daemon/peer_client.h"
#include "storage/testing.h"

namespace cairn::release_testing {
namespace {

Identity Seeded(uint8_t n) {
  SecretArray<kSeedBytes> seed;
  for (size_t i = 0; i < kSeedBytes; ++i) seed.data()[i] = static_cast<uint8_t>(n + i);
  return Identity::FromSeed(seed);
}

Timestamp At(const char* time) { return ParseTimeArg(time).value(); }

}  // namespace

QueryBuilder::QueryBuilder(Aggregate aggregate, std::string metric) {
  query_.aggregate = aggregate;
  query_.metric = std::move(metric);
  query_.from = At("2026-01");
  query_.to = At("2026-06");
}
QueryBuilder& QueryBuilder::From(const char* time) {
  query_.from = At(time);
  return *this;
}
QueryBuilder& QueryBuilder::To(const char* time) {
  query_.to = At(time);
  return *this;
}
QueryBuilder& QueryBuilder::By(const std::string& group) {
  if (std::optional<Granularity> g = ParseGranularity(group)) {
    query_.time_group = g;
  } else {
    query_.group_tags.push_back(group);
  }
  return *this;
}
QueryBuilder& QueryBuilder::Where(const std::string& tag, std::vector<std::string> values) {
  query_.filters.push_back(TagFilter{tag, std::move(values)});
  return *this;
}

ReleasePathTest::ReleasePathTest() : owner_(Seeded(1)), acme_(Seeded(40)), stranger_(Seeded(80)) {
  std::string root = testing_util::FreshTestDir("release_path");
  dir_ = std::make_unique<DataDir>(root);
  config_.name = "Plant";
  Database::Options options;
  options.path = root + "/db";
  options.sync = false;
  db_ = Database::Open(options).value();
  records_ = RecordStore::Open(db_.get()).value();
  partners_ = PartnerStore::Open(db_.get()).value();
  nonces_ = std::make_unique<NonceStore>(db_.get());
  std::string pem =
      CertificateBuilder(owner_).SetDisplayName("Plant").SetNow(kStart).Build().value();
  me_ = std::make_unique<ParticipantIdentity>(
      ParticipantIdentity{Seeded(1), pem, ParseCertificate(pem).value()});
  Restart();

  std::string acme_pem =
      CertificateBuilder(acme_).SetDisplayName("Acme Cars").SetNow(kStart).Build().value();
  acme_partner_ = CheckRegistration(PartnerCandidate{"acme", acme_pem, "", "", {}},
                                    RegistrationOrigin::kSteward, *partners_, owner_.public_key(),
                                    records_->Metrics(), clock_.Now())
                      .value();
  EXPECT_TRUE(path_.stewardship->RegisterPartners({acme_partner_}, "").ok());
  ImportPlantData();
}

void ReleasePathTest::Restart() {
  pipeline_.reset();
  writer_.reset();
  readers_.reset();
  path_ = ReleasePath();
  path_ = ReleasePath::Open(db_.get(), records_.get(), nonces_.get(), partners_.get(), me_.get(),
                            {}, &clock_)
              .value();
  writer_ = std::make_unique<WorkerThread>();
  readers_ = std::make_unique<WorkerPool>(1);
  pipeline_ = std::make_unique<ReleasePipeline>(writer_.get(), readers_.get(), path_.gate.get(),
                                                path_.audit.get());
  context_ = std::make_unique<ServiceContext>(
      ServiceContext{&clock_, &config_, dir_.get(), db_.get(), records_.get(), writer_.get(),
                     readers_.get(), std::chrono::steady_clock::now()});
}

ReleasePathTest::~ReleasePathTest() {
  writer_.reset();  // joins: nothing runs on the path any more
  readers_.reset();
}

void ReleasePathTest::Import(const std::string& metric, Tags tags, Timestamp at, double value) {
  testing_util::BatchBuilder b;
  b.Add(metric, std::move(tags), at, value);
  ASSERT_TRUE(records_->Apply(b.Build()).ok());
}

void ReleasePathTest::ImportPlantData() {
  testing_util::BatchBuilder b;
  const std::pair<const char*, int> products[] = {{"P1", 40}, {"P2", 20}, {"P3", 1}};
  for (int month = 1; month <= 5; ++month) {
    const Timestamp start = At(absl::StrCat("2026-0", month).c_str());
    for (const auto& [product, per_month] : products) {
      for (int i = 0; i < per_month; ++i) {
        b.Add("energy", {{"line", "L1"}, {"product", product}, {"site", "S1"}},
              start + i * kMicrosPerHour * 12, 10.0);
      }
    }
  }
  ASSERT_TRUE(records_->Apply(b.Build()).ok());
}

absl::Status ReleasePathTest::Apply(absl::string_view policy_toml) {
  return path_.stewardship->ApplyPolicy(policy_toml, "policy.toml", "test").status();
}

absl::Status ReleasePathTest::AllowMetrics(const std::vector<std::string>& metrics) {
  return path_.stewardship->AllowMetrics("acme", metrics);
}

SignedBytes ReleasePathTest::Sign(const Query& query, const Identity& from, Timestamp at) {
  return SignQueryRequest(from, owner_.public_key(), query, at).value();
}

absl::StatusOr<QueryResult> ReleasePathTest::AskWith(const SignedBytes& request,
                                                     const PublicKey& peer) {
  std::optional<Partner> partner =
      partners_->FindActiveByFingerprint(peer.fingerprint().ToString());
  PartnerQueryRelease release(*context_, *me_, partner.value_or(acme_partner_), peer, request);
  absl::Status released = pipeline_->RunBlocking(release);
  if (!released.ok()) return released;
  const Identity& asker = peer == acme_.public_key() ? acme_ : stranger_;
  absl::StatusOr<VerifiedAnswer> answer =
      OpenAnswer(asker, owner_.public_key(), request, release.TakeSealed());
  if (!answer.ok()) return answer.status();
  return answer->attestation.result;
}

absl::StatusOr<QueryResult> ReleasePathTest::Ask(const Query& query) {
  return AskWith(Sign(query, acme_, clock_.Now()), acme_.public_key());
}

std::vector<AuditEntry> ReleasePathTest::Audit() const {
  std::vector<AuditEntry> out;
  EXPECT_TRUE(path_.audit->log()
                  .ForEach(1,
                           [&](const AuditEntry& e) {
                             out.push_back(e);
                             return true;
                           })
                  .ok());
  return out;
}

std::vector<AuditEntry> ReleasePathTest::AuditOf(AuditKind kind, AuditDecision decision) const {
  std::vector<AuditEntry> out;
  for (AuditEntry& e : Audit()) {
    if (e.kind == kind && e.decision == decision) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace cairn::release_testing
