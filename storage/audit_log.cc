#include "storage/audit_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "rocksdb/iterator.h"
#include "storage/codec.h"

namespace cairn {
namespace {

constexpr char kCheckpointPrefix = 'c';
constexpr char kEntryPrefix = 'e';
constexpr char kHashPrefix = 'h';
constexpr size_t kKeySize = 9;  // prefix + u64(seq)

std::string SeqKey(char prefix, uint64_t seq) { return std::string(1, prefix) + BigEndian64(seq); }

bool ParseSeqKey(absl::string_view key, char prefix, uint64_t* seq) {
  return key.size() == kKeySize && key[0] == prefix && ParseBigEndian64(key.substr(1), seq);
}

std::string ZeroHash() { return std::string(kSha256Bytes, '\0'); }

// An iterator over the keys of one prefix (a single byte) of the audit family.
class PrefixScan {
 public:
  PrefixScan(const Database& db, rocksdb::ColumnFamilyHandle* cf, char prefix)
      : lower_(1, prefix), upper_(1, static_cast<char>(prefix + 1)) {
    options_.iterate_lower_bound = &lower_slice_;
    options_.iterate_upper_bound = &upper_slice_;
    it_.reset(db.db()->NewIterator(options_, cf));
  }
  rocksdb::Iterator* operator->() { return it_.get(); }
  absl::Status status(absl::string_view what) const {
    return FromRocks(it_->status(), absl::StrCat("reading the audit log (", what, ")"));
  }

 private:
  std::string lower_;
  std::string upper_;
  rocksdb::Slice lower_slice_{lower_};
  rocksdb::Slice upper_slice_{upper_};
  rocksdb::ReadOptions options_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// Decodes a stored entry (entry_bytes || entry_hash) found under `key_seq` and checks that it
// is what it claims to be. Returns "" or what is wrong.
std::string DecodeStoredEntry(uint64_t key_seq, absl::string_view value, AuditEntry* entry) {
  if (value.size() < kSha256Bytes) return "the stored entry is shorter than a hash";
  absl::string_view bytes = value.substr(0, value.size() - kSha256Bytes);
  absl::string_view stored_hash = value.substr(value.size() - kSha256Bytes);
  absl::Status decoded = DecodeAuditEntry(bytes, entry);
  if (!decoded.ok()) return absl::StrCat("the entry does not decode: ", decoded.message());
  entry->hash = std::string(stored_hash);
  if (entry->seq != key_seq) {
    return absl::StrCat("the entry stored under seq ", key_seq, " carries seq ", entry->seq,
                        ": entries were moved or reordered");
  }
  if (Sha256(bytes) != stored_hash) {
    return "its hash does not match its contents: the entry was changed";
  }
  return "";
}

absl::Status EntryDataLoss(uint64_t seq, absl::string_view problem) {
  return absl::DataLossError(absl::StrCat("audit log entry ", seq, ": ", problem));
}

// Parses checkpoint_bytes || str(signature). Returns "" or what is wrong.
std::string DecodeStoredCheckpoint(absl::string_view value, AuditCheckpoint* c) {
  constexpr absl::string_view kTag = "cairn-audit-checkpoint-v1";
  ByteReader r(value);
  absl::string_view tag;
  if (!r.Raw(kTag.size(), &tag) || tag != kTag) return "not a checkpoint (missing its tag)";
  bool ok = r.U64(&c->seq) && r.Field(&c->head_hash) && r.I64(&c->time) &&
            r.Field(&c->public_key) && r.Field(&c->signature);
  if (!ok || !r.done()) return "the checkpoint does not decode";
  return "";
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(Database* db) {
  std::unique_ptr<AuditLog> log(new AuditLog(db));
  log->cf_ = db->handle(Family::kAudit);
  CAIRN_RETURN_IF_ERROR(log->Recover());
  return log;
}

absl::Status AuditLog::Recover() {
  PrefixScan scan(*db_, cf_, kEntryPrefix);
  scan->SeekToLast();
  absl::MutexLock lock(&mu_);
  head_ = Head{0, ZeroHash()};
  if (!scan->Valid()) return scan.status("recovering the head");
  uint64_t seq = 0;
  absl::string_view key(scan->key().data(), scan->key().size());
  if (!ParseSeqKey(key, kEntryPrefix, &seq) || scan->value().size() < kSha256Bytes) {
    return absl::DataLossError("audit log: the newest entry is malformed; run audit verify");
  }
  absl::string_view value(scan->value().data(), scan->value().size());
  head_ = Head{seq, std::string(value.substr(value.size() - kSha256Bytes))};
  return absl::OkStatus();
}

AuditLog::Head AuditLog::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

absl::StatusOr<AuditLog::Receipt> AuditLog::Prepare(AuditEntry entry, rocksdb::WriteBatch* batch) {
  for (const std::string* field :
       {&entry.request_hash, &entry.request_signature, &entry.result_hash}) {
    if (field->size() > kMaxAuditBinaryBytes) {
      return absl::InvalidArgumentError(absl::StrCat("audit entry: a hash or signature of ",
                                                     field->size(), " bytes exceeds ",
                                                     kMaxAuditBinaryBytes));
    }
  }
  for (std::string* text :
       {&entry.partner, &entry.partner_fingerprint, &entry.reason, &entry.grant}) {
    *text = NormalizeAuditText(*text);
  }

  absl::MutexLock lock(&mu_);
  const Head tip = pending_.empty() ? head_ : Head{pending_.back().seq, pending_.back().hash};
  entry.seq = tip.seq + 1;
  entry.prev_hash = tip.hash;

  const std::string key = SeqKey(kEntryPrefix, entry.seq);
  std::string existing;
  rocksdb::Status found = db_->db()->Get(rocksdb::ReadOptions(), cf_, key, &existing);
  if (found.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "audit log: entry ", entry.seq,
        " already exists on disk; the log's head is behind the disk (a write reported as "
        "failed was applied, or another writer); reopen and verify the log"));
  }
  if (!found.IsNotFound()) return FromRocks(found, "audit log: checking the next entry");

  std::string value = EncodeAuditEntry(entry);
  entry.hash = Sha256(value);
  value += entry.hash;
  rocksdb::Status put = batch->Put(cf_, key, value);
  if (put.ok()) {
    put = batch->Put(cf_, std::string(1, kHashPrefix) + entry.hash, BigEndian64(entry.seq));
  }
  if (!put.ok()) return FromRocks(put, "audit log: adding the entry to the batch");

  Receipt receipt{entry.seq, entry.hash};
  pending_.push_back(receipt);
  return receipt;
}

absl::Status AuditLog::Committed(const Receipt& receipt) {
  absl::MutexLock lock(&mu_);
  if (pending_.empty() || pending_.front().seq != receipt.seq ||
      pending_.front().hash != receipt.hash) {
    return absl::FailedPreconditionError(absl::StrCat(
        "audit log: entry ", receipt.seq, " is not the oldest prepared entry; commit in order"));
  }
  head_ = Head{receipt.seq, receipt.hash};
  pending_.erase(pending_.begin());
  return absl::OkStatus();
}

void AuditLog::Abandoned(const Receipt& receipt) {
  absl::MutexLock lock(&mu_);
  auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Receipt& r) {
    return r.seq == receipt.seq && r.hash == receipt.hash;
  });
  pending_.erase(it, pending_.end());
}

absl::StatusOr<AuditCheckpoint> AuditLog::Checkpoint(const AuditSigner& signer, Timestamp now,
                                                     rocksdb::WriteBatch* batch) {
  if (signer.public_key.empty() || !signer.sign) {
    return absl::InvalidArgumentError("audit checkpoint: the signer has no key");
  }
  absl::MutexLock lock(&mu_);
  if (head_.seq == 0) return absl::FailedPreconditionError("audit checkpoint: the log is empty");
  if (!pending_.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit checkpoint: ", pending_.size(),
                     " prepared entries are not committed yet; commit or abandon them first"));
  }
  AuditCheckpoint c{head_.seq, head_.hash, now, signer.public_key, ""};
  std::string value = EncodeCheckpointForSigning(c);
  c.signature = signer.sign(value);
  if (c.signature.empty()) {
    return absl::InvalidArgumentError("audit checkpoint: the signer returned no signature");
  }
  ByteWriter(&value).Field(c.signature);
  rocksdb::Status put = batch->Put(cf_, SeqKey(kCheckpointPrefix, c.seq), value);
  if (!put.ok()) return FromRocks(put, "audit checkpoint: adding it to the batch");
  return c;
}

absl::StatusOr<AuditEntry> AuditLog::Get(uint64_t seq) const {
  std::string value;
  rocksdb::Status s =
      db_->db()->Get(rocksdb::ReadOptions(), cf_, SeqKey(kEntryPrefix, seq), &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no audit log entry ", seq));
  CAIRN_RETURN_IF_ERROR(FromRocks(s, absl::StrCat("reading audit log entry ", seq)));
  AuditEntry entry;
  std::string problem = DecodeStoredEntry(seq, value, &entry);
  if (!problem.empty()) return EntryDataLoss(seq, problem);
  return entry;
}

absl::StatusOr<AuditEntry> AuditLog::Find(absl::string_view hash) const {
  std::string value;
  rocksdb::Status s = db_->db()->Get(rocksdb::ReadOptions(), cf_,
                                     std::string(1, kHashPrefix) + std::string(hash), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no audit log entry has hash ", HexEncode(hash)));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(s, "reading the audit log's hash index"));
  uint64_t seq = 0;
  if (!ParseBigEndian64(value, &seq)) {
    return absl::DataLossError(
        absl::StrCat("audit log: malformed index row for ", HexEncode(hash)));
  }
  CAIRN_ASSIGN_OR_RETURN(AuditEntry entry, Get(seq));
  if (entry.hash != hash) {
    return absl::DataLossError(absl::StrCat("audit log: the index maps ", HexEncode(hash),
                                            " to entry ", seq, ", whose hash differs"));
  }
  return entry;
}

absl::StatusOr<std::vector<AuditEntry>> AuditLog::Tail(size_t n) const {
  n = std::min(n, kMaxTail);
  std::vector<AuditEntry> out;
  PrefixScan scan(*db_, cf_, kEntryPrefix);
  for (scan->SeekToLast(); scan->Valid() && out.size() < n; scan->Prev()) {
    uint64_t seq = 0;
    absl::string_view key(scan->key().data(), scan->key().size());
    if (!ParseSeqKey(key, kEntryPrefix, &seq)) {
      return absl::DataLossError("audit log: a malformed entry key");
    }
    AuditEntry entry;
    std::string problem = DecodeStoredEntry(
        seq, absl::string_view(scan->value().data(), scan->value().size()), &entry);
    if (!problem.empty()) return EntryDataLoss(seq, problem);
    out.push_back(std::move(entry));
  }
  CAIRN_RETURN_IF_ERROR(scan.status("tail"));
  std::reverse(out.begin(), out.end());
  return out;
}

absl::Status AuditLog::ForEach(uint64_t from_seq,
                               const std::function<bool(const AuditEntry&)>& visit) const {
  PrefixScan scan(*db_, cf_, kEntryPrefix);
  for (scan->Seek(SeqKey(kEntryPrefix, from_seq)); scan->Valid(); scan->Next()) {
    uint64_t seq = 0;
    absl::string_view key(scan->key().data(), scan->key().size());
    if (!ParseSeqKey(key, kEntryPrefix, &seq)) {
      return absl::DataLossError("audit log: a malformed entry key");
    }
    AuditEntry entry;
    std::string problem = DecodeStoredEntry(
        seq, absl::string_view(scan->value().data(), scan->value().size()), &entry);
    if (!problem.empty()) return EntryDataLoss(seq, problem);
    if (!visit(entry)) return absl::OkStatus();
  }
  return scan.status("entries");
}

absl::Status AuditLog::ForEachCheckpoint(
    uint64_t from_seq, const std::function<bool(const AuditCheckpoint&)>& visit) const {
  PrefixScan scan(*db_, cf_, kCheckpointPrefix);
  for (scan->Seek(SeqKey(kCheckpointPrefix, from_seq)); scan->Valid(); scan->Next()) {
    AuditCheckpoint c;
    std::string problem =
        DecodeStoredCheckpoint(absl::string_view(scan->value().data(), scan->value().size()), &c);
    if (!problem.empty()) return absl::DataLossError(absl::StrCat("audit checkpoint: ", problem));
    if (!visit(c)) return absl::OkStatus();
  }
  return scan.status("checkpoints");
}

absl::Status AuditLog::Verify(const AuditVerifier& verifier, AuditVerifyReport* report) const {
  AuditVerifyReport local;
  AuditVerifyReport& r = report != nullptr ? *report : local;
  r = AuditVerifyReport();
  if (!verifier) return absl::InvalidArgumentError("audit verify: no signature verifier");
  const Head committed = head();  // everything up to here is on disk before the walk starts

  auto fail = [&](uint64_t seq, std::string problem) {
    r.first_bad_seq = seq;
    r.problem = std::move(problem);
    return EntryDataLoss(seq, r.problem);
  };

  PrefixScan checkpoints(*db_, cf_, kCheckpointPrefix);
  checkpoints->SeekToFirst();
  // Checks the checkpoints up to `seq`, whose entry (if seq > 0) verified with `hash`.
  auto check_checkpoints_through = [&](uint64_t seq, const std::string& hash) -> absl::Status {
    for (; checkpoints->Valid(); checkpoints->Next()) {
      uint64_t key_seq = 0;
      absl::string_view key(checkpoints->key().data(), checkpoints->key().size());
      if (!ParseSeqKey(key, kCheckpointPrefix, &key_seq)) {
        return fail(seq, "a malformed checkpoint key follows this entry");
      }
      if (key_seq > seq) return absl::OkStatus();
      AuditCheckpoint c;
      std::string problem = DecodeStoredCheckpoint(
          absl::string_view(checkpoints->value().data(), checkpoints->value().size()), &c);
      if (!problem.empty()) return fail(key_seq, problem);
      if (c.seq != key_seq) {
        return fail(key_seq, absl::StrCat("the checkpoint stored under seq ", key_seq,
                                          " attests seq ", c.seq, ": it was moved"));
      }
      absl::Status signature_ok =
          verifier(c.seq, c.public_key, EncodeCheckpointForSigning(c), c.signature);
      if (!signature_ok.ok()) {
        return fail(key_seq, absl::StrCat("the checkpoint's signature does not verify: ",
                                          signature_ok.message()));
      }
      if (key_seq < seq || key_seq == 0) {  // gaps in the entries were reported before
        return fail(key_seq, "a checkpoint attests an entry that does not exist");
      }
      if (c.head_hash != hash) {
        return fail(key_seq,
                    "the entry's hash differs from the signed checkpoint: the log was rewritten "
                    "from this entry or earlier");
      }
      ++r.checkpoints;
      r.last_checkpoint_seq = key_seq;
    }
    return checkpoints.status("checkpoints");
  };

  std::string prev_hash = ZeroHash();
  uint64_t expected = 1;
  PrefixScan entries(*db_, cf_, kEntryPrefix);
  for (entries->SeekToFirst(); entries->Valid(); entries->Next(), ++expected) {
    uint64_t seq = 0;
    absl::string_view key(entries->key().data(), entries->key().size());
    if (!ParseSeqKey(key, kEntryPrefix, &seq)) return fail(expected, "a malformed entry key");
    if (seq != expected) {
      return fail(expected, absl::StrCat("the entry is missing (the next stored entry is ", seq,
                                         "): entries were removed"));
    }
    AuditEntry entry;
    std::string problem = DecodeStoredEntry(
        seq, absl::string_view(entries->value().data(), entries->value().size()), &entry);
    if (!problem.empty()) return fail(seq, problem);
    if (entry.prev_hash != prev_hash) {
      return fail(seq, absl::StrCat("it does not link to entry ", seq - 1,
                                    ": an entry was changed, removed or reordered"));
    }
    if (seq == committed.seq && entry.hash != committed.hash) {
      return fail(seq, "the entry differs from the one this process committed");
    }
    CAIRN_RETURN_IF_ERROR(check_checkpoints_through(seq, entry.hash));
    prev_hash = entry.hash;
    r.last_seq = seq;
    r.head_hash = entry.hash;
    ++r.entries;
  }
  CAIRN_RETURN_IF_ERROR(entries.status("entries"));
  // A checkpoint of seq 0 (never written) in an empty log.
  if (r.last_seq == 0) CAIRN_RETURN_IF_ERROR(check_checkpoints_through(0, ZeroHash()));

  if (checkpoints->Valid()) {
    uint64_t attested = 0;
    absl::string_view key(checkpoints->key().data(), checkpoints->key().size());
    ParseSeqKey(key, kCheckpointPrefix, &attested);
    return fail(r.last_seq + 1,
                absl::StrCat("the log ends at entry ", r.last_seq, " but a checkpoint attests ",
                             attested, " entries: entries were removed from the end"));
  }
  if (committed.seq > r.last_seq) {
    return fail(r.last_seq + 1,
                absl::StrCat("the log ends at entry ", r.last_seq, " but this process committed ",
                             committed.seq, " entries: entries were removed from the end"));
  }
  {
    absl::MutexLock lock(&mu_);
    uint64_t written_or_pending = head_.seq + pending_.size();
    if (r.last_seq > written_or_pending) {
      return fail(written_or_pending + 1,
                  "entries follow the head that this process never wrote: entries were appended");
    }
  }
  return absl::OkStatus();
}

}  // namespace cairn
