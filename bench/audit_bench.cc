// audit_bench: the cost of the steward's write path and of audit verification. Not a test.
//
//   bazel run -c opt //bench:audit_bench -- [--appends 2000] [--verify-entries 200000]
//
// 1. Append + sync per entry: one audit entry per synced WriteBatch (Prepare, Database::Write
//    with sync, Committed), p50 / p99 / mean in microseconds.
// 2. The daemon's whole batch per request: audit entry + budget account + a 2 KiB released
//    answer (LedgerStore), one synced write.
// 3. Verify rate: a log of --verify-entries entries (written without sync), a checkpoint
//    every --checkpoint-every entries signed with Ed25519 (libsodium), then AuditLog::Verify
//    with an Ed25519 verifier; entries per second.
// Single-threaded; the machine is shared and fsync cost depends on the disk, so treat the
// numbers as indicative.
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "storage/audit_log.h"
#include "storage/codec.h"
#include "storage/ledger_store.h"

namespace cairn {
namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, std::string(s.message()).c_str());
    std::exit(1);
  }
}

template <typename T>
T Check(absl::StatusOr<T> v, const char* what) {
  Check(v.status(), what);
  return std::move(*v);
}

struct Config {
  int appends = 2000;
  int verify_entries = 200'000;
  int checkpoint_every = 1000;
  std::string dir;
};

AuditEntry Entry(int n) {
  AuditEntry e;
  e.time = 1772366400000000 + int64_t{n} * 1000;
  e.partner = "carmaker";
  e.partner_fingerprint = "SHA256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  e.request_hash = Sha256(absl::StrCat("request ", n));
  e.request_signature = std::string(64, static_cast<char>(n));
  e.decision = AuditDecision::kAllowed;
  e.reason = "grant cbam-customer allows sum of co2e_scope1 by product, quarter";
  e.grant = "cbam-customer";
  e.policy_version = 7;
  e.epsilon_micros = 250'000;
  e.result_hash = Sha256(absl::StrCat("result ", n));
  e.kind = AuditKind::kQuery;
  return e;
}

struct Percentiles {
  double p50, p99, mean;
};

Percentiles Summarise(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)], sum / v.size()};
}

struct Key {
  Key() {
    unsigned char seed[crypto_sign_SEEDBYTES] = {7};
    crypto_sign_seed_keypair(pk, sk, seed);
  }
  AuditSigner Signer() const {
    return AuditSigner{
        std::string(reinterpret_cast<const char*>(pk), sizeof pk), [this](absl::string_view m) {
          std::string sig(crypto_sign_BYTES, '\0');
          crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                               reinterpret_cast<const unsigned char*>(m.data()), m.size(), sk);
          return sig;
        }};
  }
  AuditVerifier Verifier() const {
    std::string trusted(reinterpret_cast<const char*>(pk), sizeof pk);
    return [trusted](uint64_t, absl::string_view key, absl::string_view m,
                     absl::string_view sig) -> absl::Status {
      if (key != trusted || sig.size() != crypto_sign_BYTES ||
          crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                      reinterpret_cast<const unsigned char*>(m.data()), m.size(),
                                      reinterpret_cast<const unsigned char*>(key.data())) != 0) {
        return absl::UnauthenticatedError("bad checkpoint signature");
      }
      return absl::OkStatus();
    };
  }
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
};

void AppendWithSync(const Config& c) {
  Database::Options options;
  options.path = c.dir + "/append";
  options.sync = true;
  auto db = Check(Database::Open(options), "open");
  auto log = Check(AuditLog::Open(db.get()), "open log");
  std::vector<double> micros;
  for (int i = 0; i < c.appends; ++i) {
    Clock::time_point start = Clock::now();
    rocksdb::WriteBatch batch;
    AuditLog::Receipt r = Check(log->Prepare(Entry(i), &batch), "prepare");
    Check(db->Write(&batch), "write");
    Check(log->Committed(r), "commit");
    micros.push_back(Micros(Clock::now() - start));
  }
  Percentiles p = Summarise(micros);
  std::printf(
      "append+sync, audit entry only: %d entries, p50 %.0f us, p99 %.0f us, mean %.0f us "
      "(%.0f entries/s)\n",
      c.appends, p.p50, p.p99, p.mean, 1e6 / p.mean);
}

void RequestBatchWithSync(const Config& c) {
  Database::Options options;
  options.path = c.dir + "/request";
  options.sync = true;
  auto db = Check(Database::Open(options), "open");
  auto log = Check(AuditLog::Open(db.get()), "open log");
  auto ledger = Check(LedgerStore::Open(db.get()), "open ledger");
  const std::string answer(2048, 'a');
  std::vector<double> micros;
  for (int i = 0; i < c.appends; ++i) {
    Clock::time_point start = Clock::now();
    rocksdb::WriteBatch batch;
    LedgerStore::StagedWrite pending = ledger->Stage();
    AuditLog::Receipt r = Check(log->Prepare(Entry(i), &batch), "prepare");
    Check(ledger->PutAccount({"carmaker", "benchmark", 0, int64_t{i} * 1000}, &batch), "debit");
    Check(ledger->PutReleased({"carmaker", "benchmark", "digest", absl::StrCat("query ", i)},
                              answer, 0, &batch),
          "release");
    Check(db->Write(&batch), "write");
    Check(log->Committed(r), "commit");
    pending.Committed();
    micros.push_back(Micros(Clock::now() - start));
  }
  Percentiles p = Summarise(micros);
  std::printf(
      "append+sync, audit + debit + 2 KiB answer: %d requests, p50 %.0f us, p99 %.0f us, "
      "mean %.0f us (%.0f requests/s)\n",
      c.appends, p.p50, p.p99, p.mean, 1e6 / p.mean);
}

void VerifyRate(const Config& c) {
  Database::Options options;
  options.path = c.dir + "/verify";
  options.sync = false;
  auto db = Check(Database::Open(options), "open");
  auto log = Check(AuditLog::Open(db.get()), "open log");
  Key key;
  for (int i = 0; i < c.verify_entries; ++i) {
    rocksdb::WriteBatch batch;
    AuditLog::Receipt r = Check(log->Prepare(Entry(i), &batch), "prepare");
    Check(db->Write(&batch), "write");
    Check(log->Committed(r), "commit");
    if ((i + 1) % c.checkpoint_every == 0) {
      rocksdb::WriteBatch cp;
      Check(log->Checkpoint(key.Signer(), 0, &cp).status(), "checkpoint");
      Check(db->Write(&cp), "write checkpoint");
    }
  }
  Check(FromRocks(db->db()->Flush(rocksdb::FlushOptions(), db->handle(Family::kAudit)), "flush"),
        "flush");
  AuditVerifyReport report;
  Clock::time_point start = Clock::now();
  Check(log->Verify(key.Verifier(), &report), "verify");
  double seconds = Micros(Clock::now() - start) / 1e6;
  std::printf(
      "verify: %llu entries, %llu checkpoints in %.2f s: %.0f entries/s; %.1f MiB on disk\n",
      static_cast<unsigned long long>(report.entries),
      static_cast<unsigned long long>(report.checkpoints), seconds, report.entries / seconds,
      db->DiskBytes() / 1048576.0);
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  cairn::Config c;
  CLI::App app{"audit log and ledger write/verify costs"};
  app.add_option("--appends", c.appends, "synced appends to time");
  app.add_option("--verify-entries", c.verify_entries, "entries in the log to verify");
  app.add_option("--checkpoint-every", c.checkpoint_every, "entries between checkpoints");
  app.add_option("--dir", c.dir, "scratch directory (default: a fresh one under /tmp)");
  CLI11_PARSE(app, argc, argv);
  if (sodium_init() < 0) return 1;
  bool owned = c.dir.empty();
  if (owned) c.dir = absl::StrCat("/tmp/audit_bench_", getpid());
  std::filesystem::remove_all(c.dir);
  cairn::AppendWithSync(c);
  cairn::RequestBatchWithSync(c);
  cairn::VerifyRate(c);
  if (owned) std::filesystem::remove_all(c.dir);
  return 0;
}
