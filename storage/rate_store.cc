#include "storage/rate_store.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "rocksdb/iterator.h"
#include "storage/codec.h"

namespace cairn {
namespace {

constexpr char kAdmission = 't';

uint64_t AsKeyTime(Timestamp at) { return static_cast<uint64_t>(std::max<Timestamp>(at, 0)); }

}  // namespace

std::string RateStore::Key(absl::string_view partner, absl::string_view grant, Timestamp at) const {
  std::string key(1, kAdmission);
  ByteWriter w(&key);
  w.Field(partner);
  w.Field(grant);
  w.Raw(BigEndian64(AsKeyTime(at)));
  return key;
}

absl::Status RateStore::Put(absl::string_view partner, absl::string_view grant, Timestamp at,
                            Timestamp forget_before, rocksdb::WriteBatch* batch) {
  const std::string key = Key(partner, grant, at);
  std::string value;
  uint32_t count = 0;
  rocksdb::Status got = db_->db()->Get(rocksdb::ReadOptions(), cf_, key, &value);
  if (got.ok()) {
    ByteReader r(value);
    if (!r.U32(&count) || !r.done()) count = 0;
  } else if (!got.IsNotFound()) {
    return FromRocks(got, "reading a rate-limit admission");
  }
  std::string encoded;
  ByteWriter(&encoded).U32(count + 1);
  rocksdb::Status s = batch->Put(cf_, key, encoded);
  if (s.ok() && forget_before > 0) {
    s = batch->DeleteRange(cf_, Key(partner, grant, 0), Key(partner, grant, forget_before));
  }
  return FromRocks(s, "staging a rate-limit admission");
}

absl::StatusOr<std::vector<RateAdmission>> RateStore::Load(Timestamp since) const {
  std::vector<RateAdmission> out;
  const std::string lower(1, kAdmission), upper(1, kAdmission + 1);
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_lower_bound = &lower_slice;
  options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(options, cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ByteReader key(absl::string_view(it->key().data(), it->key().size()).substr(1));
    ByteReader value(absl::string_view(it->value().data(), it->value().size()));
    RateAdmission a;
    absl::string_view time;
    uint64_t at = 0;
    if (!key.Field(&a.partner) || !key.Field(&a.grant) || !key.Raw(8, &time) || !key.done() ||
        !ParseBigEndian64(time, &at) || !value.U32(&a.count) || !value.done()) {
      return absl::DataLossError("rate store: a malformed admission row");
    }
    a.at = static_cast<Timestamp>(at);
    if (a.at >= since) out.push_back(std::move(a));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading rate-limit admissions");
  return out;
}

}  // namespace cairn
