// Rosters and cohort memories in family kFederation; see consortium_store.h.
#include "storage/consortium_store.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "rocksdb/iterator.h"

namespace cairn {
namespace {

constexpr absl::string_view kRosterPrefix = "r/";
constexpr absl::string_view kMemoryPrefix = "m/";

std::string KeyOf(absl::string_view prefix, absl::string_view consortium) {
  return absl::StrCat(prefix, consortium);
}

rocksdb::Slice SliceOf(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

}  // namespace

std::string EncodeStoredRoster(const StoredRoster& r) {
  nlohmann::json j = {{"consortium", r.consortium},
                      {"text", r.text},
                      {"file_name", r.file_name},
                      {"added_at", r.added_at},
                      {"added_by", r.added_by}};
  return j.dump();
}

absl::StatusOr<StoredRoster> DecodeStoredRoster(absl::string_view bytes) {
  nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  StoredRoster r;
  if (!j.is_object() || !j["consortium"].is_string() || !j["text"].is_string() ||
      !j["file_name"].is_string() || !j["added_at"].is_number_integer() ||
      !j["added_by"].is_string()) {
    return absl::DataLossError("a stored roster record is damaged");
  }
  r.consortium = j["consortium"].get<std::string>();
  r.text = j["text"].get<std::string>();
  r.file_name = j["file_name"].get<std::string>();
  r.added_at = j["added_at"].get<Timestamp>();
  r.added_by = j["added_by"].get<std::string>();
  return r;
}

absl::StatusOr<std::vector<StoredRoster>> ConsortiumStore::Rosters() const {
  std::vector<StoredRoster> out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->handle(Family::kFederation)));
  for (it->Seek(SliceOf(kRosterPrefix));
       it->Valid() && it->key().starts_with(SliceOf(kRosterPrefix)); it->Next()) {
    absl::StatusOr<StoredRoster> r =
        DecodeStoredRoster(absl::string_view(it->value().data(), it->value().size()));
    if (!r.ok()) {
      return absl::DataLossError(
          absl::StrCat(r.status().message(), " (key ", it->key().ToString(), ")"));
    }
    out.push_back(*std::move(r));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading consortium rosters");
  return out;
}

absl::StatusOr<std::optional<std::string>> ConsortiumStore::Memory(
    absl::string_view consortium) const {
  std::string value;
  rocksdb::Status s = db_->db()->Get(rocksdb::ReadOptions(), db_->handle(Family::kFederation),
                                     KeyOf(kMemoryPrefix, consortium), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) {
    return FromRocks(s, absl::StrCat("reading the cohort memory of consortium ", consortium));
  }
  return value;
}

void ConsortiumStore::PutRoster(const StoredRoster& roster, rocksdb::WriteBatch* batch) const {
  batch->Put(db_->handle(Family::kFederation), KeyOf(kRosterPrefix, roster.consortium),
             EncodeStoredRoster(roster));
}

void ConsortiumStore::PutMemory(absl::string_view consortium, absl::string_view bytes,
                                rocksdb::WriteBatch* batch) const {
  batch->Put(db_->handle(Family::kFederation), KeyOf(kMemoryPrefix, consortium), SliceOf(bytes));
}

}  // namespace cairn
