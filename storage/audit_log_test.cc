// The audit log as a specification: entries chain and survive reopening; abandoned entries
// leave nothing; Verify() accepts an intact log and names the first bad sequence number for
// each kind of tampering (a changed byte, a removed entry, swapped entries, a cut tail, an
// altered or foreign checkpoint). Tampering edits the database directly, as an attacker with
// the files would. Checkpoints are signed with real Ed25519 keys (libsodium, fixed seeds).
#include "storage/audit_log.h"

#include <sodium.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/codec.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FreshTestDir;
using ::cairn::testing_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// An Ed25519 key pair from a fixed seed.
struct TestKey {
  explicit TestKey(char seed_byte) {
    if (sodium_init() < 0) std::abort();
    unsigned char seed[crypto_sign_SEEDBYTES];
    std::fill(std::begin(seed), std::end(seed), static_cast<unsigned char>(seed_byte));
    crypto_sign_seed_keypair(pk, sk, seed);
  }
  std::string public_key() const { return std::string(reinterpret_cast<const char*>(pk), 32); }
  AuditSigner Signer() const {
    return AuditSigner{public_key(), [this](absl::string_view message) {
                         unsigned char sig[crypto_sign_BYTES];
                         crypto_sign_detached(
                             sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                             message.size(), sk);
                         return std::string(reinterpret_cast<const char*>(sig), sizeof sig);
                       }};
  }
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
};

// Trusts exactly `trusted`.
AuditVerifier TrustOnly(const TestKey& trusted) {
  std::string key = trusted.public_key();
  return [key](uint64_t, absl::string_view public_key, absl::string_view message,
               absl::string_view signature) -> absl::Status {
    if (public_key != key) return absl::UnauthenticatedError("the signer is not trusted");
    if (signature.size() != crypto_sign_BYTES ||
        crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                    reinterpret_cast<const unsigned char*>(message.data()),
                                    message.size(),
                                    reinterpret_cast<const unsigned char*>(key.data())) != 0) {
      return absl::UnauthenticatedError("bad signature");
    }
    return absl::OkStatus();
  };
}

constexpr Timestamp kStart = 1772366400000000;  // 2026-03-01T12:00:00Z

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.path = FreshTestDir("audit");
    options_.sync = false;  // durability is RocksDB's; these tests are about content
    Reopen();
  }

  void Reopen() {
    log_.reset();
    db_.reset();
    db_ = Database::Open(options_).value();
    log_ = AuditLog::Open(db_.get()).value();
  }

  static AuditEntry Entry(int n) {
    AuditEntry e;
    e.time = kStart + n * kMicrosPerSecond;
    e.partner = "carmaker";
    e.partner_fingerprint = "SHA256:0123abcd";
    e.request_hash = Sha256(absl::StrCat("request ", n));
    e.request_signature = std::string(64, static_cast<char>(n));
    e.decision = n % 3 == 0 ? AuditDecision::kDenied : AuditDecision::kAllowed;
    e.reason = absl::StrCat("reason ", n);
    e.grant = "cbam-customer";
    e.policy_version = 1;
    e.epsilon_micros = n % 3 == 0 ? 0 : 250000;
    e.result_hash = n % 3 == 0 ? "" : Sha256(absl::StrCat("result ", n));
    e.kind = AuditKind::kQuery;
    return e;
  }

  // Prepares, writes and commits one entry.
  AuditLog::Receipt Append(const AuditEntry& e) {
    rocksdb::WriteBatch batch;
    absl::StatusOr<AuditLog::Receipt> r = log_->Prepare(e, &batch);
    EXPECT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(db_->Write(&batch).ok());
    EXPECT_TRUE(log_->Committed(*r).ok());
    return *r;
  }
  void AppendEntries(int n) {
    for (int i = 1; i <= n; ++i) Append(Entry(i));
  }
  void WriteCheckpoint(const TestKey& key) {
    rocksdb::WriteBatch batch;
    absl::StatusOr<AuditCheckpoint> c = log_->Checkpoint(key.Signer(), kStart, &batch);
    ASSERT_TRUE(c.ok()) << c.status();
    ASSERT_TRUE(db_->Write(&batch).ok());
  }

  // Verify() with the owner's key; the report is kept in report_.
  absl::Status Verify() { return log_->Verify(TrustOnly(owner_), &report_); }

  // Raw access, as an attacker with the files.
  static std::string EntryKey(uint64_t seq) { return "e" + BigEndian64(seq); }
  static std::string CheckpointKey(uint64_t seq) { return "c" + BigEndian64(seq); }
  std::string Raw(const std::string& key) {
    std::string value;
    EXPECT_TRUE(db_->db()->Get(rocksdb::ReadOptions(), cf(), key, &value).ok()) << key;
    return value;
  }
  void PutRaw(const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->db()->Put(rocksdb::WriteOptions(), cf(), key, value).ok());
  }
  void DeleteRaw(const std::string& key) {
    ASSERT_TRUE(db_->db()->Delete(rocksdb::WriteOptions(), cf(), key).ok());
  }
  // Replaces entry `seq` by `entry`, with prev_hash as given and a correct hash: what an
  // attacker who knows the format writes. Returns the new hash.
  std::string ForgeEntry(AuditEntry entry, uint64_t seq, const std::string& prev_hash) {
    entry.seq = seq;
    entry.prev_hash = prev_hash;
    std::string bytes = EncodeAuditEntry(entry);
    std::string hash = Sha256(bytes);
    PutRaw(EntryKey(seq), bytes + hash);
    return hash;
  }
  rocksdb::ColumnFamilyHandle* cf() { return db_->handle(Family::kAudit); }

  Database::Options options_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<AuditLog> log_;
  TestKey owner_{'o'};
  TestKey stranger_{'s'};
  AuditVerifyReport report_;
};

// ---- Appending and reading.

TEST_F(AuditLogTest, EntriesAreNumberedFromOneAndChainedByHash) {
  AuditLog::Receipt first = Append(Entry(1));
  AuditLog::Receipt second = Append(Entry(2));
  EXPECT_EQ(first.seq, 1u);
  EXPECT_EQ(second.seq, 2u);
  AuditEntry stored = log_->Get(2).value();
  EXPECT_EQ(stored.prev_hash, first.hash);
  EXPECT_EQ(stored.hash, second.hash);
  EXPECT_EQ(AuditEntryHash(stored), second.hash);
  EXPECT_EQ(log_->Get(1)->prev_hash, std::string(32, '\0'));
}

TEST_F(AuditLogTest, ReopenRecoversTheHeadAndAppendingContinuesTheChain) {
  AppendEntries(3);
  AuditLog::Head before = log_->head();
  Reopen();
  EXPECT_EQ(log_->head().seq, 3u);
  EXPECT_EQ(log_->head().hash, before.hash);
  AuditLog::Receipt next = Append(Entry(4));
  EXPECT_EQ(next.seq, 4u);
  EXPECT_EQ(log_->Get(4)->prev_hash, before.hash);
  EXPECT_TRUE(Verify().ok()) << report_.problem;
}

TEST_F(AuditLogTest, StoredEntryKeepsEveryField) {
  AuditEntry e = Entry(1);
  AuditLog::Receipt r = Append(e);
  e.seq = 1;
  e.prev_hash = std::string(32, '\0');
  e.hash = r.hash;
  EXPECT_EQ(log_->Get(1).value(), e);
}

TEST_F(AuditLogTest, GetAndFindSayNotFoundForUnknownEntries) {
  AppendEntries(2);
  EXPECT_THAT(log_->Get(3), StatusIs(absl::StatusCode::kNotFound, "no audit log entry 3"));
  EXPECT_THAT(log_->Find(Sha256("nothing")), StatusIs(absl::StatusCode::kNotFound, "hash"));
}

TEST_F(AuditLogTest, FindLooksEntriesUpByHash) {
  AppendEntries(2);
  AuditLog::Receipt r = Append(Entry(3));
  AppendEntries(1);
  EXPECT_EQ(log_->Find(r.hash)->seq, 3u);
}

TEST_F(AuditLogTest, TailReturnsTheNewestEntriesOldestFirst) {
  AppendEntries(5);
  std::vector<uint64_t> seqs;
  std::vector<AuditEntry> tail = log_->Tail(3).value();
  for (const AuditEntry& e : tail) seqs.push_back(e.seq);
  EXPECT_THAT(seqs, ElementsAre(3, 4, 5));
  EXPECT_EQ(log_->Tail(100)->size(), 5u);
}

TEST_F(AuditLogTest, ForEachStartsAtTheGivenSeqAndStopsWhenAsked) {
  AppendEntries(5);
  std::vector<uint64_t> seqs;
  ASSERT_TRUE(log_->ForEach(2,
                            [&](const AuditEntry& e) {
                              seqs.push_back(e.seq);
                              return e.seq < 4;
                            })
                  .ok());
  EXPECT_THAT(seqs, ElementsAre(2, 3, 4));
}

TEST_F(AuditLogTest, TextIsNormalisedBeforeItIsHashed) {
  AuditEntry e = Entry(1);
  e.reason = "bad \xff byte";
  Append(e);
  EXPECT_EQ(log_->Get(1)->reason, "bad \xEF\xBF\xBD byte");
  EXPECT_TRUE(Verify().ok()) << report_.problem;
}

TEST_F(AuditLogTest, PrepareRefusesOversizedBytes) {
  rocksdb::WriteBatch batch;
  AuditEntry big = Entry(1);
  big.request_signature = std::string(kMaxAuditBinaryBytes + 1, 'x');
  EXPECT_THAT(log_->Prepare(big, &batch), StatusIs(absl::StatusCode::kInvalidArgument, "exceeds"));
  EXPECT_EQ(batch.Count(), 0u);
}

// ---- The one-batch protocol.

TEST_F(AuditLogTest, AbandonedEntryLeavesNoTrace) {
  AppendEntries(2);
  rocksdb::WriteBatch lost;
  AuditLog::Receipt abandoned = log_->Prepare(Entry(3), &lost).value();
  log_->Abandoned(abandoned);  // the batch was never written
  AuditLog::Receipt next = Append(Entry(4));
  EXPECT_EQ(next.seq, 3u);
  EXPECT_NE(next.hash, abandoned.hash);
  EXPECT_THAT(log_->Find(abandoned.hash), StatusIs(absl::StatusCode::kNotFound, ""));
  EXPECT_EQ(log_->head().seq, 3u);
  EXPECT_TRUE(Verify().ok()) << report_.problem;
}

TEST_F(AuditLogTest, AbandoningAnEntryAlsoForgetsTheEntriesPreparedAfterIt) {
  rocksdb::WriteBatch batch;
  AuditLog::Receipt a = log_->Prepare(Entry(1), &batch).value();
  log_->Prepare(Entry(2), &batch).value();
  log_->Abandoned(a);
  EXPECT_EQ(Append(Entry(3)).seq, 1u);
}

TEST_F(AuditLogTest, SeveralEntriesInOneBatchCommitInOrder) {
  rocksdb::WriteBatch batch;
  AuditLog::Receipt a = log_->Prepare(Entry(1), &batch).value();
  AuditLog::Receipt b = log_->Prepare(Entry(2), &batch).value();
  ASSERT_TRUE(db_->Write(&batch).ok());
  EXPECT_THAT(log_->Committed(b), StatusIs(absl::StatusCode::kFailedPrecondition, "in order"));
  EXPECT_TRUE(log_->Committed(a).ok());
  EXPECT_TRUE(log_->Committed(b).ok());
  EXPECT_EQ(log_->Get(2)->prev_hash, a.hash);
  EXPECT_EQ(log_->head().seq, 2u);
}

TEST_F(AuditLogTest, PrepareRefusesToOverwriteAnEntryThatReachedTheDisk) {
  // The write was reported as failed but was applied: the next entry must not overwrite it.
  rocksdb::WriteBatch batch;
  AuditLog::Receipt r = log_->Prepare(Entry(1), &batch).value();
  ASSERT_TRUE(db_->Write(&batch).ok());
  log_->Abandoned(r);
  rocksdb::WriteBatch next;
  EXPECT_THAT(log_->Prepare(Entry(2), &next),
              StatusIs(absl::StatusCode::kFailedPrecondition, "entry 1 already exists"));
  EXPECT_EQ(next.Count(), 0u);
}

TEST_F(AuditLogTest, CheckpointNeedsCommittedEntriesOnly) {
  rocksdb::WriteBatch batch;
  EXPECT_THAT(log_->Checkpoint(owner_.Signer(), kStart, &batch),
              StatusIs(absl::StatusCode::kFailedPrecondition, "empty"));
  AppendEntries(1);
  log_->Prepare(Entry(2), &batch).value();
  EXPECT_THAT(log_->Checkpoint(owner_.Signer(), kStart, &batch),
              StatusIs(absl::StatusCode::kFailedPrecondition, "not committed"));
}

TEST_F(AuditLogTest, CheckpointAttestsTheHeadAndIsSignedOverItsEncoding) {
  AppendEntries(4);
  rocksdb::WriteBatch batch;
  AuditCheckpoint c = log_->Checkpoint(owner_.Signer(), kStart, &batch).value();
  EXPECT_EQ(c.seq, 4u);
  EXPECT_EQ(c.head_hash, log_->head().hash);
  EXPECT_EQ(c.public_key, owner_.public_key());
  EXPECT_TRUE(
      TrustOnly(owner_)(c.seq, c.public_key, EncodeCheckpointForSigning(c), c.signature).ok());
  ASSERT_TRUE(db_->Write(&batch).ok());
  std::vector<AuditCheckpoint> stored;
  ASSERT_TRUE(log_->ForEachCheckpoint(0,
                                      [&](const AuditCheckpoint& s) {
                                        stored.push_back(s);
                                        return true;
                                      })
                  .ok());
  EXPECT_THAT(stored, ElementsAre(c));
}

// ---- Verification.

TEST_F(AuditLogTest, VerifyWhileTheWriterAppendsSeesNoProblem) {
  AppendEntries(5);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 6; i <= 200; ++i) Append(Entry(i));
    done = true;
  });
  int runs = 0;
  while (!done || runs == 0) {
    absl::Status s = Verify();
    if (!s.ok()) {
      ADD_FAILURE() << s;
      break;
    }
    ++runs;
  }
  writer.join();
  EXPECT_TRUE(Verify().ok());
  EXPECT_EQ(report_.entries, 200u);
}

TEST_F(AuditLogTest, AnIntactLogVerifies) {
  AppendEntries(5);
  WriteCheckpoint(owner_);
  AppendEntries(5);
  WriteCheckpoint(owner_);
  AppendEntries(2);
  ASSERT_TRUE(Verify().ok()) << report_.problem;
  EXPECT_EQ(report_.entries, 12u);
  EXPECT_EQ(report_.checkpoints, 2u);
  EXPECT_EQ(report_.last_checkpoint_seq, 10u);
  EXPECT_EQ(report_.last_seq, 12u);
  EXPECT_EQ(report_.head_hash, log_->head().hash);
  EXPECT_EQ(report_.first_bad_seq, 0u);
}

TEST_F(AuditLogTest, AnEmptyLogVerifies) { EXPECT_TRUE(Verify().ok()) << report_.problem; }

TEST_F(AuditLogTest, VerifyNeedsAVerifier) {
  EXPECT_THAT(log_->Verify(nullptr), StatusIs(absl::StatusCode::kInvalidArgument, "verifier"));
}

TEST_F(AuditLogTest, AChangedByteIsDetectedAtItsEntry) {
  AppendEntries(6);
  std::string value = Raw(EntryKey(4));
  value[value.find("reason 4") + 7] = '9';
  PutRaw(EntryKey(4), value);
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss, "entry 4: its hash does not match"));
  EXPECT_EQ(report_.first_bad_seq, 4u);
  EXPECT_EQ(report_.entries, 3u);
  EXPECT_THAT(log_->Get(4), StatusIs(absl::StatusCode::kDataLoss, "entry 4"));
}

TEST_F(AuditLogTest, AChangedEntryWithARecomputedHashBreaksTheNextLink) {
  AppendEntries(6);
  AuditEntry forged = log_->Get(4).value();
  forged.decision = AuditDecision::kDenied;
  ForgeEntry(forged, 4, forged.prev_hash);
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss, "entry 5: it does not link"));
  EXPECT_EQ(report_.first_bad_seq, 5u);
}

TEST_F(AuditLogTest, ARewrittenChainIsDetectedByTheCheckpointThatCoversIt) {
  AppendEntries(6);
  WriteCheckpoint(owner_);
  // Rewrite entries 4..6 consistently: every link and hash is right, only the checkpoint knows.
  std::string prev = log_->Get(3)->hash;
  for (uint64_t seq = 4; seq <= 6; ++seq) {
    AuditEntry e = log_->Get(seq).value();
    e.reason = "nothing to see";
    prev = ForgeEntry(e, seq, prev);
  }
  Reopen();  // a fresh process: its head is the forged one
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                 "entry 6: the entry's hash differs "
                                 "from the signed checkpoint"));
  EXPECT_EQ(report_.first_bad_seq, 6u);
}

TEST_F(AuditLogTest, ARemovedEntryIsDetected) {
  AppendEntries(6);
  DeleteRaw(EntryKey(4));
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss, "entry 4: the entry is missing"));
  EXPECT_EQ(report_.first_bad_seq, 4u);
}

TEST_F(AuditLogTest, SwappedEntriesAreDetected) {
  AppendEntries(6);
  std::string four = Raw(EntryKey(4));
  std::string five = Raw(EntryKey(5));
  PutRaw(EntryKey(4), five);
  PutRaw(EntryKey(5), four);
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                 "entry 4: the entry stored under "
                                 "seq 4 carries seq 5"));
  EXPECT_EQ(report_.first_bad_seq, 4u);
}

TEST_F(AuditLogTest, SwappedEntriesRenumberedByTheAttackerBreakTheLinks) {
  AppendEntries(6);
  AuditEntry four = log_->Get(4).value();
  AuditEntry five = log_->Get(5).value();
  ForgeEntry(five, 4, five.prev_hash);  // keeps its own (now wrong) link
  ForgeEntry(four, 5, four.prev_hash);
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss, "entry 4: it does not link"));
}

TEST_F(AuditLogTest, ACutTailIsDetectedByTheLastCheckpoint) {
  AppendEntries(8);
  WriteCheckpoint(owner_);
  AppendEntries(2);
  for (uint64_t seq = 7; seq <= 10; ++seq) DeleteRaw(EntryKey(seq));
  Reopen();  // a fresh process only has the checkpoint to go by
  EXPECT_EQ(log_->head().seq, 6u);
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                 "entry 7: the log ends at entry 6 but a checkpoint attests 8"));
  EXPECT_EQ(report_.first_bad_seq, 7u);
}

TEST_F(AuditLogTest, ACutTailIsDetectedByTheLiveHeadWithoutACheckpoint) {
  AppendEntries(10);
  DeleteRaw(EntryKey(9));
  DeleteRaw(EntryKey(10));
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                 "entry 9: the log ends at entry 8 but this process committed 10"));
}

TEST_F(AuditLogTest, LimitationACutAfterTheLastCheckpointIsNotSeenByAFreshProcess) {
  // Documented in audit_log.h: entries newer than the last checkpoint can be removed without
  // trace once the daemon is restarted. The logged head hash is what exposes it.
  AppendEntries(5);
  WriteCheckpoint(owner_);
  AppendEntries(3);
  DeleteRaw(EntryKey(8));
  DeleteRaw(EntryKey(7));
  Reopen();
  EXPECT_TRUE(Verify().ok());
  EXPECT_EQ(report_.last_seq, 6u);
}

TEST_F(AuditLogTest, EntriesAppendedPastTheHeadAreDetected) {
  AppendEntries(3);
  AuditEntry extra = Entry(4);
  ForgeEntry(extra, 4, log_->head().hash);
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss, "entry 4: entries follow the head"));
}

TEST_F(AuditLogTest, ACheckpointSignedByAnUntrustedKeyIsDetected) {
  AppendEntries(3);
  WriteCheckpoint(stranger_);
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                 "entry 3: the checkpoint's signature does not verify: the signer "
                                 "is not trusted"));
  EXPECT_EQ(report_.first_bad_seq, 3u);
}

TEST_F(AuditLogTest, AnAlteredCheckpointIsDetected) {
  AppendEntries(3);
  WriteCheckpoint(owner_);
  std::string value = Raw(CheckpointKey(3));
  value[25 + 8 + 4 + 32 + 7] ^= 1;  // a bit of the time, after tag, seq and head hash
  PutRaw(CheckpointKey(3), value);
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss, "bad signature"));
  EXPECT_EQ(report_.first_bad_seq, 3u);
}

TEST_F(AuditLogTest, ACheckpointMovedToAnotherSeqIsDetected) {
  AppendEntries(5);
  WriteCheckpoint(owner_);
  PutRaw(CheckpointKey(2), Raw(CheckpointKey(5)));
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                 "entry 2: the checkpoint stored "
                                 "under seq 2 attests seq 5"));
}

}  // namespace
}  // namespace cairn
