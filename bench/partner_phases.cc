// partner_phases: where the time of a partner query goes, step by step, and what issue 4's
// policy and audit added to the path issue 3 built. Not a test.
//
//   partner_phases --owner DIR --me DIR [--year 2025] [--iterations 300] [--fsync-probe DIR]
//
// DIR (--owner) is a copy of an owner's data dir with the requester registered as a partner;
// cairnd must not hold it (RocksDB has one process per store). The program is the owner and
// the requester at once: it opens the store as cairnd does (same RocksDB options, same sync
// setting) and calls, on this one thread, the functions cairnd's partner path calls on its
// reader and writer threads, timing each (wall and thread CPU):
//   issue 4 (this build, daemon/partner_service.cc): the requester signs; the owner opens and
//     checks the envelope, Decide (replay, policy or allow-list), PrepareRelease (execute,
//     protect), Commit (audit entry, nonce and any debit: one synced write), attests and
//     seals; the requester opens and verifies the answer;
//   before issue 4 (daemon/partner_service.cc at 4cbb28b^): envelope and allow-list; the nonce
//     checked and recorded in its own synced write; execute; sign and seal;
//   the clear baseline's work (clear_query_server): execute and encode the rows.
// The three run interleaved, one iteration each in turn, so that the shared machine disturbs
// them alike. What the steps leave out is the RPC (TLS, Cap'n Proto) and cairnd's hops between
// its event loop, reader and writer threads: partner_bench measures the whole.
// Also timed: one hop of cairnd's kind (daemon/worker_thread.h: from an event loop to a worker
// thread and back, with nothing to do), whose wall and CPU (both threads) the steps above leave
// out; the partner path takes five per query, the pre-issue-4 path took three, the baseline
// one. Then the cryptographic primitives the steps are made of, each alone on this thread
// (CPU per call): Ed25519 public-key parsing with its prime-order point check
// (PublicKey::FromBytes, done for each key a request or answer carries), Sign and Verify of a
// request-sized message, the Ed25519-to-X25519 key conversion Seal and Open begin with, and
// Seal and Open of the real signed result. --fsync-probe DIR (a new directory) also times
// synced RocksDB writes of one audit-sized entry against 32 in one batch, with the owner's
// options, in a scratch database there: the cost a group commit would share.
// Prints a table and "RESULT step=NAME ..." lines. Single-threaded.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/async.h>
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "crypto/csprng.h"
#include "crypto/public_key.h"
#include "crypto/sealing.h"
#include "crypto/signing.h"
#include "daemon/partner_service.h"
#include "daemon/peer_client.h"
#include "daemon/release/release_path.h"
#include "daemon/worker_thread.h"
#include "participant/config.h"
#include "participant/data_dir.h"
#include "participant/participant_identity.h"
#include "protocol/convert.h"
#include "protocol/signed_envelope.h"
#include "query/engine.h"
#include "storage/database.h"
#include "storage/nonce_store.h"
#include "storage/partner_store.h"
#include "storage/record_store.h"
#include "tools/bench/cairnd_storage.h"
#include "tools/bench/measure.h"
#include "tools/bench/year_query.h"

namespace cairn {
namespace {

struct Flags {
  std::string owner;
  std::string me;
  int year = 2025;
  int iterations = 300;
  std::string fsync_probe;
};

// Wall and CPU samples of the named steps, in the order they were first timed.
class StepTimes {
 public:
  // Runs `f`, records its wall and thread CPU time under `step` and adds them to `*total`.
  template <typename F>
  auto Time(const std::string& step, std::pair<double, double>* total, F&& f) {
    const double w0 = WallSeconds(), c0 = ThreadCpuSeconds();
    auto result = f();
    const double wall_ms = (WallSeconds() - w0) * 1e3, cpu_ms = (ThreadCpuSeconds() - c0) * 1e3;
    Add(step, wall_ms, cpu_ms);
    if (total != nullptr) {
      total->first += wall_ms;
      total->second += cpu_ms;
    }
    return result;
  }
  void Add(const std::string& step, double wall_ms, double cpu_ms) {
    auto [it, added] = index_.emplace(step, samples_.size());
    if (added) samples_.push_back({step, {}, {}});
    samples_[it->second].wall_ms.push_back(wall_ms);
    samples_[it->second].cpu_ms.push_back(cpu_ms);
  }

  struct Samples {
    std::string step;
    std::vector<double> wall_ms, cpu_ms;
  };
  const std::vector<Samples>& samples() const { return samples_; }

 private:
  std::map<std::string, size_t> index_;
  std::vector<Samples> samples_;
};

double Mean(const std::vector<double>& v) { return Summarize(v).mean; }

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "partner_phases: %s: %s\n", std::string(what).c_str(),
               std::string(status.message()).c_str());
  return 1;
}

// Every call below returns a Status or StatusOr; the first error ends the run.
#define PHASES_CHECK(expr, what)         \
  do {                                   \
    absl::Status s_ = (expr);            \
    if (!s_.ok()) return Fail(what, s_); \
  } while (0)

// The owner's signed attestation, as daemon/partner_service.cc builds it (its step 5).
absl::StatusOr<SignedBytes> Attest(const ParticipantIdentity& owner, const std::string& owner_name,
                                   const QueryRequestInfo& info, const QueryResult& result,
                                   const Protection& protection) {
  AttestationInfo attestation{info.query,     result,    owner.identity.public_key(), owner_name,
                              info.requester, info.hash, SystemClock().Now(),         protection};
  return SignAttestation(owner.identity, attestation);
}

// `writes` synced writes of `entries` audit-sized values each into `db`'s audit family: the
// median wall time of one write.
absl::StatusOr<double> SyncedWriteMs(Database& db, int entries, int writes, int* serial) {
  std::vector<double> ms;
  const std::string value(700, 'a');  // about an audit entry with its hashes and reason
  for (int w = 0; w < writes; ++w) {
    rocksdb::WriteBatch batch;
    for (int e = 0; e < entries; ++e) {
      batch.Put(db.handle(Family::kAudit), absl::StrCat("probe/", (*serial)++), value);
    }
    const double t0 = WallSeconds();
    absl::Status s = db.Write(&batch);
    ms.push_back((WallSeconds() - t0) * 1e3);
    if (!s.ok()) return s;
  }
  return Summarize(std::move(ms)).p50;
}

int Run(const Flags& flags) {
  PHASES_CHECK(InitCrypto(), "crypto");
  DataDir dir(flags.owner);
  absl::StatusOr<Config> config = LoadConfig(dir.ConfigPath());
  PHASES_CHECK(config.status(), "owner config");
  absl::StatusOr<Database::Options> options = CairndDatabaseOptions(dir.ConfigPath(), dir.DbPath());
  PHASES_CHECK(options.status(), "owner config");
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(*options);
  PHASES_CHECK(db.status(), "open the owner's store (is cairnd still running?)");
  absl::StatusOr<std::unique_ptr<RecordStore>> store = RecordStore::Open(db->get());
  PHASES_CHECK(store.status(), "open records");
  absl::StatusOr<std::unique_ptr<PartnerStore>> partners = PartnerStore::Open(db->get());
  PHASES_CHECK(partners.status(), "open partners");
  NonceStore nonces(db->get());
  absl::StatusOr<ParticipantIdentity> owner = LoadParticipantIdentity(dir);
  PHASES_CHECK(owner.status(), "owner identity");
  absl::StatusOr<std::vector<PublicKey>> former = LoadFormerKeys(dir);
  PHASES_CHECK(former.status(), "owner's former keys");
  SystemClock clock;
  absl::StatusOr<ReleasePath> path = ReleasePath::Open(
      db->get(), store->get(), &nonces, partners->get(), &*owner, *std::move(former), &clock);
  PHASES_CHECK(path.status(), "open the release path");
  PHASES_CHECK(path->audit->health(), "audit log");
  const ServiceContext context{&clock,       &*config, &dir,    db->get(),
                               store->get(), nullptr,  nullptr, std::chrono::steady_clock::now()};
  absl::StatusOr<ParticipantIdentity> me = LoadParticipantIdentity(DataDir(flags.me));
  PHASES_CHECK(me.status(), "requester identity");
  std::optional<Partner> partner =
      (*partners)->FindActiveByFingerprint(me->certificate.fingerprint.ToString());
  if (!partner) {
    return Fail("requester", absl::FailedPreconditionError("not an active partner of the owner"));
  }

  const Query query = YearSumByMonthAndProduct(flags.year);
  const PublicKey owner_key = owner->identity.public_key();
  const Timestamp max_age = config->max_request_age_seconds * kMicrosPerSecond;
  ReleaseGate& gate = *path->gate;
  const RecordStore& records = **store;
  CsprngSource rng;
  StepTimes steps;
  std::vector<double> now_wall, now_cpu, before_wall, before_cpu, clear_wall, clear_cpu;
  std::optional<std::vector<GroupedSum>> answer;
  std::string request_payload, signed_result;  // the last ones, for the primitives below

  for (int i = 0; i < flags.iterations; ++i) {
    // ---- Issue 4, as this build's cairnd runs it.
    std::pair<double, double> total;
    absl::StatusOr<SignedBytes> request = steps.Time("request: sign (requester)", nullptr, [&] {
      return SignQueryRequest(me->identity, owner_key, query, clock.Now());
    });
    PHASES_CHECK(request.status(), "sign");
    request_payload = request->payload;
    // The steps of the release pipeline, one by one on this thread, as cairnd's idle writer
    // runs them in one task.
    PartnerQueryRelease release(context, *owner, *partner, me->identity.public_key(), *request);
    PHASES_CHECK(steps.Time("open: decode, verify, check keys, age, query", &total,
                            [&] { return release.Open(); }),
                 "open");
    PHASES_CHECK(steps.Time("decide: replay, policy", &total, [&] { return release.Decide(gate); }),
                 "decide");
    PHASES_CHECK(steps.Time("prepare: execute, protect", &total, [&] { return release.Prepare(); }),
                 "prepare");
    PHASES_CHECK(
        steps.Time("commit: audit entry, one write", &total, [&] { return release.Commit(gate); }),
        "commit");
    PHASES_CHECK(steps.Time("sync: one request alone, its own fsync", &total,
                            [&] { return path->audit->Sync(); }),
                 "sync");
    PHASES_CHECK(
        steps.Time("attest: sign the result, seal it", &total, [&] { return release.Attest(); }),
        "attest");
    const std::string sealed = release.TakeSealed();
    absl::StatusOr<VerifiedAnswer> verified =
        steps.Time("answer: open, verify (requester)", nullptr,
                   [&] { return OpenAnswer(me->identity, owner_key, *request, sealed); });
    PHASES_CHECK(verified.status(), "open answer");
    signed_result = EncodeSignedResult(verified->signed_result);
    now_wall.push_back(total.first);
    now_cpu.push_back(total.second);
    if (!answer) {
      absl::StatusOr<std::vector<GroupedSum>> rows = FromQueryResult(verified->attestation.result);
      PHASES_CHECK(rows.status(), "answer");
      answer = *rows;
    }

    // ---- Before issue 4 (4cbb28b^): the same functions in the order that path called them.
    total = {};
    absl::StatusOr<SignedBytes> request4 =
        SignQueryRequest(me->identity, owner_key, query, clock.Now());
    PHASES_CHECK(request4.status(), "sign");
    absl::StatusOr<QueryRequestInfo> info4 =
        steps.Time("pre-4 envelope, allow-list", &total, [&]() -> absl::StatusOr<QueryRequestInfo> {
          absl::StatusOr<QueryRequestInfo> info = OpenQueryRequest(*request4);
          if (!info.ok()) return info;
          absl::Status s = PartnerService::CheckEnvelope(*info, me->identity.public_key(),
                                                         owner_key, clock.Now(), max_age);
          if (s.ok()) s = AuthorizeByAllowList(*partner, info->query);
          if (s.ok()) s = ValidateQuery(info->query, records.Metrics());
          if (!s.ok()) return s;
          return info;
        });
    PHASES_CHECK(info4.status(), "pre-4 envelope");
    absl::Status nonce = steps.Time("pre-4 nonce: one synced write", &total, [&]() -> absl::Status {
      const std::string requester = info4->requester.fingerprint().ToString();
      absl::StatusOr<bool> seen = nonces.Seen(requester, info4->nonce, info4->issued_at);
      if (!seen.ok()) return seen.status();
      if (*seen) return absl::PermissionDeniedError("replayed request");
      rocksdb::WriteBatch batch;
      nonces.Remember(requester, info4->nonce, info4->issued_at, &batch);
      return (*db)->Write(&batch);
    });
    PHASES_CHECK(nonce, "pre-4 nonce");
    absl::StatusOr<QueryResult> result4 =
        steps.Time("pre-4 execute", &total, [&] { return ExecuteQuery(records, info4->query); });
    PHASES_CHECK(result4.status(), "pre-4 execute");
    absl::StatusOr<std::string> sealed4 =
        steps.Time("pre-4 sign and seal", &total, [&]() -> absl::StatusOr<std::string> {
          absl::StatusOr<SignedBytes> attested =
              Attest(*owner, config->name, *info4, *result4, Protection());
          if (!attested.ok()) return attested.status();
          return Seal(info4->requester, EncodeSignedResult(*attested));
        });
    PHASES_CHECK(sealed4.status(), "pre-4 seal");
    before_wall.push_back(total.first);
    before_cpu.push_back(total.second);

    // ---- The clear baseline server's work.
    total = {};
    absl::StatusOr<size_t> words =
        steps.Time("clear: execute, encode", &total, [&]() -> absl::StatusOr<size_t> {
          absl::StatusOr<QueryResult> r = ExecuteQuery(records, query);
          if (!r.ok()) return r.status();
          r->stats = QueryStats();
          capnp::MallocMessageBuilder message;
          ToProto(*r, message.initRoot<proto::QueryResult>());
          return capnp::messageToFlatArray(message).size();
        });
    PHASES_CHECK(words.status(), "clear");
    clear_wall.push_back(total.first);
    clear_cpu.push_back(total.second);
  }

  std::printf("owner %s (%s), policy version %llu, sync %s; %d iterations; %zu groups\n",
              config->name.c_str(), flags.owner.c_str(),
              static_cast<unsigned long long>(path->policy->number()), options->sync ? "on" : "off",
              flags.iterations, answer ? answer->size() : 0);
  std::printf("%-42s %10s %10s %10s\n", "step (ms)", "wall p50", "wall mean", "CPU mean");
  auto row = [](const std::string& name, const std::vector<double>& wall,
                const std::vector<double>& cpu) {
    const LatencySummary w = Summarize(wall);
    std::printf("%-42s %10.3f %10.3f %10.3f\n", name.c_str(), w.p50, w.mean, Mean(cpu));
  };
  for (const StepTimes::Samples& s : steps.samples()) {
    row(s.step, s.wall_ms, s.cpu_ms);
    const LatencySummary w = Summarize(s.wall_ms);
    std::string key = s.step.substr(0, s.step.find(':'));
    for (char& c : key) c = c == ' ' || c == '-' ? '_' : c;
    std::printf("RESULT step=%s wall_p50_ms=%.4f wall_mean_ms=%.4f cpu_mean_ms=%.4f\n", key.c_str(),
                w.p50, w.mean, Mean(s.cpu_ms));
  }
  row("= owner's steps, issue 4", now_wall, now_cpu);
  row("= owner's steps, before issue 4", before_wall, before_cpu);
  row("= clear baseline's work", clear_wall, clear_cpu);
  std::printf(
      "RESULT sums owner_now_wall_p50_ms=%.4f owner_now_wall_mean_ms=%.4f owner_now_cpu_ms=%.4f "
      "owner_pre4_wall_p50_ms=%.4f owner_pre4_wall_mean_ms=%.4f owner_pre4_cpu_ms=%.4f "
      "clear_wall_p50_ms=%.4f clear_cpu_ms=%.4f\n",
      Summarize(now_wall).p50, Mean(now_wall), Mean(now_cpu), Summarize(before_wall).p50,
      Mean(before_wall), Mean(before_cpu), Summarize(clear_wall).p50, Mean(clear_cpu));
  std::printf("issue 4 / before issue 4, owner's steps: wall mean %.2f, CPU %.2f\n",
              Mean(now_wall) / Mean(before_wall), Mean(now_cpu) / Mean(before_cpu));

  {
    // Hops: the calling thread's event loop sends an empty call to a worker and waits for it.
    kj::EventLoop loop;
    kj::WaitScope wait_scope(loop);
    WorkerThread worker;
    std::vector<double> ms;
    for (int i = 0; i < 100; ++i) worker.Run([] { return 0; }).wait(wait_scope);  // warm-up
    const int hops = std::max(1000, flags.iterations);
    const double cpu0 = ProcessCpuSeconds();
    for (int i = 0; i < hops; ++i) {
      const double t0 = WallSeconds();
      worker.Run([] { return 0; }).wait(wait_scope);
      ms.push_back((WallSeconds() - t0) * 1e3);
    }
    const double cpu_ms = (ProcessCpuSeconds() - cpu0) * 1e3 / hops;
    const LatencySummary w = Summarize(std::move(ms));
    std::printf("%-42s %10.3f %10.3f %10.3f  (both threads' CPU)\n",
                "hop: event loop -> worker -> back", w.p50, w.mean, cpu_ms);
    std::printf("RESULT step=hop wall_p50_ms=%.4f wall_mean_ms=%.4f cpu_mean_ms=%.4f\n", w.p50,
                w.mean, cpu_ms);
  }

  {
    // The primitives, each timed over a fixed number of calls on this thread's CPU clock.
    constexpr int kCalls = 2000;
    const std::string message = request_payload;
    const Signature signature = Sign(me->identity, message);
    absl::StatusOr<std::string> sealed = Seal(me->identity.public_key(), signed_result);
    PHASES_CHECK(sealed.status(), "seal");
    const std::string key_bytes(owner_key.AsStringView());
    absl::Status failed;
    auto time_us = [&](const char* key, const char* label, auto&& call) {
      const double c0 = ThreadCpuSeconds();
      for (int i = 0; i < kCalls && failed.ok(); ++i) failed = call();
      const double us = (ThreadCpuSeconds() - c0) * 1e6 / kCalls;
      std::printf("%-62s %6.1f us CPU per call\n", label, us);
      std::printf("RESULT primitive=%s cpu_us=%.2f\n", key, us);
    };
    std::printf("cryptographic primitives (%d calls each):\n", kCalls);
    time_us("point_check", "  Ed25519 key parse with point check (PublicKey::FromBytes)",
            [&] { return PublicKey::FromBytes(key_bytes).status(); });
    time_us("sign", absl::StrCat("  Sign, ", message.size(), " B (the request)").c_str(), [&] {
      return Sign(me->identity, message) == signature ? absl::OkStatus()
                                                      : absl::InternalError("sign");
    });
    time_us("verify", absl::StrCat("  Verify, ", message.size(), " B").c_str(),
            [&] { return Verify(me->identity.public_key(), message, signature); });
    time_us("ed_to_x25519", "  Ed25519 -> X25519 public key (Seal and Open begin with it)", [&] {
      unsigned char x[crypto_scalarmult_curve25519_BYTES];
      return crypto_sign_ed25519_pk_to_curve25519(
                 x, reinterpret_cast<const unsigned char*>(key_bytes.data())) == 0
                 ? absl::OkStatus()
                 : absl::InternalError("ed25519 to x25519");
    });
    time_us("seal",
            absl::StrCat("  Seal, ", signed_result.size(), " B (the signed answer)").c_str(),
            [&] { return Seal(me->identity.public_key(), signed_result).status(); });
    time_us("open", "  Open, the same", [&] { return Open(me->identity, *sealed).status(); });
    PHASES_CHECK(failed, "primitives");
  }

  if (!flags.fsync_probe.empty()) {
    Database::Options probe_options = *options;
    probe_options.path = flags.fsync_probe;
    probe_options.sync = true;
    absl::StatusOr<std::unique_ptr<Database>> probe = Database::Open(probe_options);
    PHASES_CHECK(probe.status(), "fsync probe");
    int serial = 0;
    std::vector<double> one, many;
    for (int round = 0; round < 10; ++round) {  // interleaved, 10 writes of each per round
      absl::StatusOr<double> a = SyncedWriteMs(**probe, 1, 10, &serial);
      PHASES_CHECK(a.status(), "fsync probe");
      absl::StatusOr<double> b = SyncedWriteMs(**probe, 32, 10, &serial);
      PHASES_CHECK(b.status(), "fsync probe");
      one.push_back(*a);
      many.push_back(*b);
    }
    const double one_ms = Summarize(one).p50, many_ms = Summarize(many).p50;
    std::printf(
        "synced RocksDB write, median of 10 rounds' medians: 1 entry %.3f ms; 32 entries in one "
        "batch %.3f ms (%.3f ms per entry)\n",
        one_ms, many_ms, many_ms / 32);
    std::printf("RESULT fsync one_ms=%.4f batch32_ms=%.4f\n", one_ms, many_ms);
  }
  return 0;
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  cairn::Flags flags;
  CLI::App app{"partner_phases: the partner path's steps, timed in one process"};
  app.add_option("--owner", flags.owner, "a copy of the owner's data dir (cairnd stopped)")
      ->required();
  app.add_option("--me", flags.me, "the requester's data dir (a registered partner)")->required();
  app.add_option("--year", flags.year, "the calendar year queried")->capture_default_str();
  app.add_option("--iterations", flags.iterations)
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--fsync-probe", flags.fsync_probe, "a new directory for the synced-write probe");
  CLI11_PARSE(app, argc, argv);
  return cairn::Run(flags);
}
