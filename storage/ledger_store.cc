#include "storage/ledger_store.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "rocksdb/iterator.h"
#include "storage/codec.h"

namespace cairn {
namespace {

constexpr char kAccount = 'a';
constexpr char kFootprints = 'f';
constexpr char kAge = 'o';
constexpr char kReleased = 'r';

// str(partner) str(grant): the part of every key naming the partner and grant.
std::string Pair(absl::string_view partner, absl::string_view grant) {
  std::string out;
  ByteWriter w(&out);
  w.Field(partner);
  w.Field(grant);
  return out;
}

std::string PrefixedKey(char tag, absl::string_view pair, absl::string_view suffix = "") {
  return absl::StrCat(absl::string_view(&tag, 1), pair, suffix);
}

std::string ReleasedDigest(const ReleasedKey& key) {
  std::string material;
  ByteWriter w(&material);
  w.Field(key.grant_digest);
  w.Field(key.query);
  return Sha256(material);
}

// Splits a key of the form tag str(partner) str(grant) suffix; false if malformed.
bool ParsePairKey(absl::string_view key, char tag, std::string* pair, absl::string_view* partner,
                  absl::string_view* grant, absl::string_view* suffix) {
  if (key.empty() || key[0] != tag) return false;
  ByteReader r(key.substr(1));
  if (!r.Field(partner) || !r.Field(grant)) return false;
  *suffix = r.rest();
  *pair = std::string(key.substr(1, key.size() - 1 - suffix->size()));
  return true;
}

absl::Status Malformed(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("ledger store: malformed ", what));
}

// Iterates the keys that start with `prefix`.
class PrefixScan {
 public:
  PrefixScan(const Database& db, rocksdb::ColumnFamilyHandle* cf, std::string prefix)
      : prefix_(std::move(prefix)) {
    it_.reset(db.db()->NewIterator(rocksdb::ReadOptions(), cf));
    it_->Seek(prefix_);
  }
  bool Valid() const { return it_->Valid() && key().substr(0, prefix_.size()) == prefix_; }
  void Next() { it_->Next(); }
  absl::string_view key() const { return absl::string_view(it_->key().data(), it_->key().size()); }
  absl::string_view value() const {
    return absl::string_view(it_->value().data(), it_->value().size());
  }
  absl::Status status() const { return FromRocks(it_->status(), "reading the ledger"); }

 private:
  std::string prefix_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

std::string EncodeFootprints(const std::vector<Footprint>& groups) {
  std::string out;
  ByteWriter w(&out);
  w.U32(static_cast<uint32_t>(groups.size()));
  for (const Footprint& f : groups) {
    w.I64(f.from);
    w.I64(f.to);
    w.U32(static_cast<uint32_t>(f.series.size()));
    for (FootprintSeries s : f.series) w.U64(s);
  }
  return out;
}

bool SortedUnique(const std::vector<FootprintSeries>& series) {
  return std::adjacent_find(series.begin(), series.end(), std::greater_equal<FootprintSeries>()) ==
         series.end();
}

absl::StatusOr<std::vector<Footprint>> DecodeFootprints(absl::string_view value) {
  ByteReader r(value);
  uint32_t n = 0;
  if (!r.U32(&n)) return Malformed("footprint row");
  std::vector<Footprint> groups;
  for (uint32_t i = 0; i < n; ++i) {
    Footprint f;
    uint32_t k = 0;
    if (!r.I64(&f.from) || !r.I64(&f.to) || !r.U32(&k) || r.rest().size() / 8 < k) {
      return Malformed("footprint row");
    }
    f.series.resize(k);
    for (FootprintSeries& s : f.series) r.U64(&s);
    if (!SortedUnique(f.series)) return Malformed("footprint row (series not sorted)");
    groups.push_back(std::move(f));
  }
  if (!r.done()) return Malformed("footprint row (trailing bytes)");
  return groups;
}

int64_t PendingChange(const absl::flat_hash_map<std::string, int64_t>& changes,
                      const std::string& pair) {
  auto it = changes.find(pair);
  return it == changes.end() ? 0 : it->second;
}

}  // namespace

LedgerStore::LedgerStore(Database* db, const Options& options)
    : db_(db), cf_(db->handle(Family::kLedger)), options_(options) {}

absl::StatusOr<std::unique_ptr<LedgerStore>> LedgerStore::Open(Database* db,
                                                               const Options& options) {
  std::unique_ptr<LedgerStore> store(new LedgerStore(db, options));
  CAIRN_RETURN_IF_ERROR(store->LoadCounts());
  return store;
}

absl::Status LedgerStore::LoadCounts() {
  absl::MutexLock lock(&mu_);
  std::string pair;
  absl::string_view partner, grant, suffix;
  uint64_t max_order = 0;
  for (PrefixScan scan(*db_, cf_, std::string(1, kAge)); scan.Valid(); scan.Next()) {
    uint64_t order = 0;
    if (!ParsePairKey(scan.key(), kAge, &pair, &partner, &grant, &suffix) ||
        !ParseBigEndian64(suffix, &order)) {
      return Malformed("answer index key");
    }
    ++released_[pair];
    max_order = std::max(max_order, order);
  }
  for (PrefixScan scan(*db_, cf_, std::string(1, kFootprints)); scan.Valid(); scan.Next()) {
    uint64_t order = 0;
    uint32_t n = 0;
    if (!ParsePairKey(scan.key(), kFootprints, &pair, &partner, &grant, &suffix) ||
        !ParseBigEndian64(suffix, &order) || !ByteReader(scan.value()).U32(&n)) {
      return Malformed("footprint row");
    }
    footprints_[pair] += n;
    max_order = std::max(max_order, order);
  }
  next_order_ = max_order + 1;
  pending_ = Pending();
  pending_.next_order = next_order_;
  return absl::OkStatus();
}

// ---- Budget accounts.

absl::Status LedgerStore::PutAccount(const BudgetLedger::Account& account,
                                     rocksdb::WriteBatch* batch) {
  std::string value;
  ByteWriter w(&value);
  w.I64(account.period_start);
  w.I64(account.spent_micros);
  return FromRocks(
      batch->Put(cf_, PrefixedKey(kAccount, Pair(account.partner, account.grant)), value),
      "ledger: adding a budget account to the batch");
}

absl::StatusOr<std::vector<BudgetLedger::Account>> LedgerStore::LoadAccounts() const {
  std::vector<BudgetLedger::Account> out;
  std::string pair;
  absl::string_view partner, grant, suffix;
  PrefixScan scan(*db_, cf_, std::string(1, kAccount));
  for (; scan.Valid(); scan.Next()) {
    BudgetLedger::Account a;
    ByteReader r(scan.value());
    if (!ParsePairKey(scan.key(), kAccount, &pair, &partner, &grant, &suffix) || !suffix.empty() ||
        !r.I64(&a.period_start) || !r.I64(&a.spent_micros) || !r.done()) {
      return Malformed("budget account");
    }
    a.partner = std::string(partner);
    a.grant = std::string(grant);
    out.push_back(std::move(a));
  }
  CAIRN_RETURN_IF_ERROR(scan.status());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.partner, a.grant) < std::tie(b.partner, b.grant);
  });
  return out;
}

// ---- Released answers.

absl::StatusOr<std::optional<ReleasedAnswer>> LedgerStore::FindReleased(
    const ReleasedKey& key) const {
  std::string value;
  rocksdb::Status s = db_->db()->Get(
      rocksdb::ReadOptions(), cf_,
      PrefixedKey(kReleased, Pair(key.partner, key.grant), ReleasedDigest(key)), &value);
  if (s.IsNotFound()) return std::nullopt;
  CAIRN_RETURN_IF_ERROR(FromRocks(s, "ledger: reading a released answer"));
  ByteReader r(value);
  uint64_t order = 0;
  ReleasedAnswer answer;
  if (!r.U64(&order) || !r.I64(&answer.released_at)) return Malformed("released answer");
  answer.bytes = std::string(r.rest());
  return answer;
}

absl::StatusOr<std::optional<std::string>> LedgerStore::OldestReleased(
    const std::string& pair) const {
  for (PrefixScan scan(*db_, cf_, PrefixedKey(kAge, pair)); scan.Valid(); scan.Next()) {
    std::string key(scan.key());
    if (!pending_.evicted.contains(key)) return std::optional<std::string>(std::move(key));
  }
  return std::optional<std::string>();
}

absl::Status LedgerStore::PutReleased(const ReleasedKey& key, absl::string_view answer,
                                      Timestamp now, rocksdb::WriteBatch* batch) {
  if (answer.size() > options_.max_answer_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("ledger: a released answer of ", answer.size(),
                                                     " bytes exceeds the limit of ",
                                                     options_.max_answer_bytes));
  }
  const std::string pair = Pair(key.partner, key.grant);
  const std::string digest = ReleasedDigest(key);
  const std::string row_key = PrefixedKey(kReleased, pair, digest);

  absl::MutexLock lock(&mu_);
  if (pending_.put_rows.contains(row_key)) {
    return absl::FailedPreconditionError(
        "ledger: this answer was already put in the pending batch; put each key once per batch");
  }
  // Deletions this call adds, collected first so that nothing is added on error.
  std::vector<std::string> deletes;
  std::vector<std::string> deleted_age_keys;  // no longer candidates for eviction
  int64_t count_change = 1;

  std::string existing;
  rocksdb::Status found = db_->db()->Get(rocksdb::ReadOptions(), cf_, row_key, &existing);
  if (!found.ok() && !found.IsNotFound()) {
    return FromRocks(found, "ledger: reading a released answer");
  }
  std::string old_age_key;
  if (found.ok()) {
    uint64_t old_order = 0;
    if (!ByteReader(existing).U64(&old_order)) return Malformed("released answer");
    old_age_key = PrefixedKey(kAge, pair, BigEndian64(old_order));
  }
  if (found.ok() && !pending_.evicted.contains(old_age_key)) {
    // A replacement: drop the old age-index row, keep the count.
    deletes.push_back(old_age_key);
    deleted_age_keys.push_back(old_age_key);
    count_change = 0;
  } else {
    auto committed = released_.find(pair);
    int64_t count = (committed == released_.end() ? 0 : static_cast<int64_t>(committed->second)) +
                    PendingChange(pending_.released, pair);
    if (count >= static_cast<int64_t>(options_.max_released_per_grant)) {
      CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> evicted_age_key, OldestReleased(pair));
      if (!evicted_age_key) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "ledger: partner '", key.partner, "' grant '", key.grant, "' is at the cap of ",
            options_.max_released_per_grant, " released answers within one batch"));
      }
      std::string oldest_digest;
      rocksdb::Status s =
          db_->db()->Get(rocksdb::ReadOptions(), cf_, *evicted_age_key, &oldest_digest);
      CAIRN_RETURN_IF_ERROR(FromRocks(s, "ledger: reading the oldest released answer"));
      deletes.push_back(*evicted_age_key);
      deletes.push_back(PrefixedKey(kReleased, pair, oldest_digest));
      deleted_age_keys.push_back(*evicted_age_key);
      count_change = 0;
    }
  }

  const uint64_t order = pending_.next_order;
  std::string value;
  ByteWriter w(&value);
  w.U64(order);
  w.I64(now);
  w.Raw(answer);
  // Replacing the evicted or old row must not delete the new one: deletes go first.
  batch->SetSavePoint();
  rocksdb::Status s;
  for (const std::string& d : deletes) {
    if (s.ok()) s = batch->Delete(cf_, d);
  }
  if (s.ok()) s = batch->Put(cf_, row_key, value);
  if (s.ok()) s = batch->Put(cf_, PrefixedKey(kAge, pair, BigEndian64(order)), digest);
  if (!s.ok()) {
    batch->RollbackToSavePoint().PermitUncheckedError();
    return FromRocks(s, "ledger: adding a released answer to the batch");
  }
  batch->PopSavePoint().PermitUncheckedError();

  pending_.next_order = order + 1;
  pending_.released[pair] += count_change;
  pending_.evicted.insert(deleted_age_keys.begin(), deleted_age_keys.end());
  pending_.put_rows.insert(row_key);
  return absl::OkStatus();
}

size_t LedgerStore::ReleasedCount(absl::string_view partner, absl::string_view grant) const {
  absl::MutexLock lock(&mu_);
  auto it = released_.find(Pair(partner, grant));
  return it == released_.end() ? 0 : it->second;
}

// ---- Differencing footprints.

absl::Status LedgerStore::PutFootprints(absl::string_view partner, absl::string_view grant,
                                        const std::vector<Footprint>& groups,
                                        rocksdb::WriteBatch* batch) {
  if (groups.empty()) return absl::OkStatus();
  for (const Footprint& f : groups) {
    if (!SortedUnique(f.series)) {
      return absl::InvalidArgumentError("ledger: a footprint's series are not sorted and unique");
    }
  }
  const std::string pair = Pair(partner, grant);
  absl::MutexLock lock(&mu_);
  auto committed = footprints_.find(pair);
  int64_t count = (committed == footprints_.end() ? 0 : static_cast<int64_t>(committed->second)) +
                  PendingChange(pending_.footprints, pair);
  if (count + static_cast<int64_t>(groups.size()) >
      static_cast<int64_t>(options_.max_footprints_per_grant)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "ledger: partner '", partner, "' grant '", grant, "' would exceed ",
        options_.max_footprints_per_grant, " remembered footprints; ask the data owner"));
  }
  const uint64_t order = pending_.next_order;
  CAIRN_RETURN_IF_ERROR(FromRocks(
      batch->Put(cf_, PrefixedKey(kFootprints, pair, BigEndian64(order)), EncodeFootprints(groups)),
      "ledger: adding footprints to the batch"));
  pending_.next_order = order + 1;
  pending_.footprints[pair] += static_cast<int64_t>(groups.size());
  return absl::OkStatus();
}

absl::Status LedgerStore::LoadFootprints(DifferencingGuard* guard) const {
  std::string pair;
  absl::string_view partner, grant, suffix;
  PrefixScan scan(*db_, cf_, std::string(1, kFootprints));
  for (; scan.Valid(); scan.Next()) {
    if (!ParsePairKey(scan.key(), kFootprints, &pair, &partner, &grant, &suffix)) {
      return Malformed("footprint key");
    }
    CAIRN_ASSIGN_OR_RETURN(std::vector<Footprint> groups, DecodeFootprints(scan.value()));
    guard->Import(partner, grant, std::move(groups));
  }
  return scan.status();
}

absl::Status LedgerStore::ForgetFootprints(absl::string_view partner, absl::string_view grant,
                                           rocksdb::WriteBatch* batch) {
  const std::string pair = Pair(partner, grant);
  absl::MutexLock lock(&mu_);
  if (pending_.footprints.contains(pair)) {
    return absl::FailedPreconditionError(
        "ledger: footprints of this partner and grant are pending; forget them in a batch of "
        "its own");
  }
  std::vector<std::string> keys;
  PrefixScan scan(*db_, cf_, PrefixedKey(kFootprints, pair));
  for (; scan.Valid(); scan.Next()) keys.emplace_back(scan.key());
  CAIRN_RETURN_IF_ERROR(scan.status());
  batch->SetSavePoint();
  for (const std::string& key : keys) {
    rocksdb::Status s = batch->Delete(cf_, key);
    if (!s.ok()) {
      batch->RollbackToSavePoint().PermitUncheckedError();
      return FromRocks(s, "ledger: adding footprint deletions to the batch");
    }
  }
  batch->PopSavePoint().PermitUncheckedError();
  auto committed = footprints_.find(pair);
  pending_.footprints[pair] =
      -(committed == footprints_.end() ? 0 : static_cast<int64_t>(committed->second));
  return absl::OkStatus();
}

size_t LedgerStore::FootprintCount(absl::string_view partner, absl::string_view grant) const {
  absl::MutexLock lock(&mu_);
  auto it = footprints_.find(Pair(partner, grant));
  return it == footprints_.end() ? 0 : it->second;
}

// ---- Batches.

void LedgerStore::Committed() {
  absl::MutexLock lock(&mu_);
  auto apply = [](absl::flat_hash_map<std::string, size_t>& counts,
                  const absl::flat_hash_map<std::string, int64_t>& changes) {
    for (const auto& [pair, change] : changes) {
      int64_t now = static_cast<int64_t>(counts[pair]) + change;
      if (now <= 0) {
        counts.erase(pair);
      } else {
        counts[pair] = static_cast<size_t>(now);
      }
    }
  };
  apply(released_, pending_.released);
  apply(footprints_, pending_.footprints);
  next_order_ = pending_.next_order;
  pending_ = Pending();
  pending_.next_order = next_order_;
}

void LedgerStore::Abandoned() {
  absl::MutexLock lock(&mu_);
  pending_ = Pending();
  pending_.next_order = next_order_;
}

}  // namespace cairn
