#include "storage/nonce_store.h"

#include <string>

namespace cairn {
namespace {

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

std::string TimeKey(Timestamp t) {
  std::string key;
  AppendBigEndian(static_cast<uint64_t>(t) ^ (uint64_t{1} << 63), &key);  // sortable
  return key;
}

}  // namespace

std::string NonceStore::Key(absl::string_view requester, absl::string_view nonce,
                            Timestamp issued_at) {
  std::string key = TimeKey(issued_at);
  key.push_back(static_cast<char>(requester.size()));
  key.append(requester.data(), requester.size());
  key.append(nonce.data(), nonce.size());
  return key;
}

absl::StatusOr<bool> NonceStore::Seen(absl::string_view requester, absl::string_view nonce,
                                      Timestamp issued_at) const {
  std::string value;
  rocksdb::Status s = db_->db()->Get(rocksdb::ReadOptions(), db_->handle(Family::kNonces),
                                     Key(requester, nonce, issued_at), &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, "reading nonces");
  return true;
}

void NonceStore::Remember(absl::string_view requester, absl::string_view nonce, Timestamp issued_at,
                          rocksdb::WriteBatch* batch) const {
  batch->Put(db_->handle(Family::kNonces), Key(requester, nonce, issued_at), "");
}

absl::Status NonceStore::Prune(Timestamp cutoff) const {
  std::string begin = TimeKey(kMinTimestamp);
  std::string end = TimeKey(cutoff);
  rocksdb::WriteBatch batch;
  rocksdb::Status s = batch.DeleteRange(db_->handle(Family::kNonces), begin, end);
  if (!s.ok()) return FromRocks(s, "pruning nonces");
  return db_->Write(&batch);
}

}  // namespace cairn
