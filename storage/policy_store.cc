#include "storage/policy_store.h"

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "rocksdb/iterator.h"
#include "storage/codec.h"

namespace cairn {
namespace {

constexpr char kMetadata = 'v';
constexpr char kText = 't';
constexpr size_t kMaxNameBytes = 1 << 10;

std::string VersionKey(char tag, uint64_t version) {
  return std::string(1, tag) + BigEndian64(version);
}

absl::StatusOr<toml::table> ParseToml(absl::string_view text) {
  try {
    return toml::parse(std::string_view(text.data(), text.size()));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat("policy text is not TOML: line ",
                                                   e.source().begin.line, ": ",
                                                   std::string(e.description())));
  }
}

// SHA-256 of the node's canonical JSON (toml++ sorts table keys).
template <typename Node>
std::string Digest(const Node& node) {
  std::ostringstream json;
  json << toml::json_formatter{node};
  return Sha256(json.str());
}

// Name -> digest for each table of the array of tables `key` (unnamed ones are skipped: the
// validated policy has none).
std::map<std::string, std::string> ElementDigests(const toml::table& root, std::string_view key) {
  std::map<std::string, std::string> out;
  const toml::array* elements = root[key].as_array();
  if (elements == nullptr) return out;
  for (const toml::node& element : *elements) {
    const toml::table* table = element.as_table();
    if (table == nullptr) continue;
    std::optional<std::string> name = (*table)["name"].value<std::string>();
    if (name) out[*name] = Digest(*table);
  }
  return out;
}

void WriteDigests(ByteWriter& w, const std::map<std::string, std::string>& digests) {
  w.U32(static_cast<uint32_t>(digests.size()));
  for (const auto& [name, digest] : digests) {
    w.Field(name);
    w.Field(digest);
  }
}

bool ReadDigests(ByteReader& r, std::map<std::string, std::string>* digests) {
  uint32_t n = 0;
  if (!r.U32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    std::string name, digest;
    if (!r.Field(&name) || !r.Field(&digest)) return false;
    (*digests)[std::move(name)] = std::move(digest);
  }
  return true;
}

// Metadata row: i64(applied_at) str(file_name) str(applied_by) str(sha256) digests(grants)
// digests(deny_rules) str(groups_digest), where digests(m) = u32(n) n x [str(name) str(d)].
std::string EncodeMetadata(const PolicyVersion& v) {
  std::string out;
  ByteWriter w(&out);
  w.I64(v.applied_at);
  w.Field(v.file_name);
  w.Field(v.applied_by);
  w.Field(v.sha256);
  WriteDigests(w, v.grants);
  WriteDigests(w, v.deny_rules);
  w.Field(v.groups_digest);
  return out;
}

bool DecodeMetadata(absl::string_view value, PolicyVersion* v) {
  ByteReader r(value);
  return r.I64(&v->applied_at) && r.Field(&v->file_name) && r.Field(&v->applied_by) &&
         r.Field(&v->sha256) && ReadDigests(r, &v->grants) && ReadDigests(r, &v->deny_rules) &&
         r.Field(&v->groups_digest) && r.done();
}

// Names in `now` and not in `before`, and names in both with different digests.
void Compare(const std::map<std::string, std::string>& before,
             const std::map<std::string, std::string>& now, std::vector<std::string>* added,
             std::vector<std::string>* removed, std::vector<std::string>* changed) {
  for (const auto& [name, digest] : now) {
    auto it = before.find(name);
    if (it == before.end()) {
      added->push_back(name);
    } else if (it->second != digest) {
      changed->push_back(name);
    }
  }
  for (const auto& [name, digest] : before) {
    if (now.count(name) == 0) removed->push_back(name);
  }
}

}  // namespace

absl::Status ComputePolicyDigests(absl::string_view text, PolicyVersion* version) {
  CAIRN_ASSIGN_OR_RETURN(toml::table root, ParseToml(text));
  version->grants = ElementDigests(root, "grant");
  version->deny_rules = ElementDigests(root, "deny");
  const toml::table* groups = root["groups"].as_table();
  version->groups_digest = groups == nullptr ? "" : Digest(*groups);
  return absl::OkStatus();
}

absl::StatusOr<std::string> RemoveGrantFromPolicyText(absl::string_view text,
                                                      absl::string_view name) {
  CAIRN_ASSIGN_OR_RETURN(toml::table root, ParseToml(text));
  toml::array* grants = root["grant"].as_array();
  bool removed = false;
  if (grants != nullptr) {
    for (auto it = grants->begin(); it != grants->end(); ++it) {
      const toml::table* grant = it->as_table();
      if (grant != nullptr && (*grant)["name"].value<std::string>() == std::string(name)) {
        grants->erase(it);
        removed = true;
        break;
      }
    }
  }
  if (!removed) return absl::NotFoundError(absl::StrCat("the policy has no grant '", name, "'"));
  if (grants->empty()) root.erase("grant");  // an empty array is not an array of tables
  std::ostringstream out;
  out << toml::toml_formatter{root};
  out << '\n';
  return out.str();
}

absl::StatusOr<std::unique_ptr<PolicyStore>> PolicyStore::Open(Database* db) {
  return std::unique_ptr<PolicyStore>(new PolicyStore(db));
}

absl::StatusOr<uint64_t> PolicyStore::NewestVersion() const {
  const std::string lower(1, kMetadata);
  const std::string upper(1, kMetadata + 1);
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_lower_bound = &lower_slice;
  options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(options, cf_));
  it->SeekToLast();
  if (!it->Valid()) {
    CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "reading policy versions"));
    return 0;
  }
  uint64_t version = 0;
  absl::string_view key(it->key().data(), it->key().size());
  if (key.size() != 9 || !ParseBigEndian64(key.substr(1), &version)) {
    return absl::DataLossError("policy store: a malformed version key");
  }
  return version;
}

absl::StatusOr<PolicyVersion> PolicyStore::Apply(absl::string_view text,
                                                 absl::string_view file_name,
                                                 absl::string_view applied_by, Timestamp now,
                                                 rocksdb::WriteBatch* batch) {
  if (file_name.size() > kMaxNameBytes || applied_by.size() > kMaxNameBytes) {
    return absl::InvalidArgumentError("policy apply: file name or applier longer than 1 KiB");
  }
  PolicyVersion v;
  CAIRN_ASSIGN_OR_RETURN(uint64_t newest, NewestVersion());
  v.version = newest + 1;
  v.applied_at = now;
  v.file_name = std::string(file_name);
  v.applied_by = std::string(applied_by);
  v.text = std::string(text);
  v.sha256 = Sha256(text);
  CAIRN_RETURN_IF_ERROR(ComputePolicyDigests(text, &v));

  batch->SetSavePoint();
  rocksdb::Status s =
      batch->Put(cf_, VersionKey(kText, v.version), rocksdb::Slice(text.data(), text.size()));
  if (s.ok()) s = batch->Put(cf_, VersionKey(kMetadata, v.version), EncodeMetadata(v));
  if (!s.ok()) {
    batch->RollbackToSavePoint().PermitUncheckedError();
    return FromRocks(s, "policy apply: adding the version to the batch");
  }
  batch->PopSavePoint().PermitUncheckedError();
  return v;
}

absl::StatusOr<PolicyVersion> PolicyStore::GetMetadata(uint64_t version) const {
  std::string value;
  rocksdb::Status s =
      db_->db()->Get(rocksdb::ReadOptions(), cf_, VersionKey(kMetadata, version), &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no policy version ", version));
  CAIRN_RETURN_IF_ERROR(FromRocks(s, absl::StrCat("reading policy version ", version)));
  PolicyVersion v;
  v.version = version;
  if (!DecodeMetadata(value, &v)) {
    return absl::DataLossError(absl::StrCat("policy version ", version, ": malformed metadata"));
  }
  return v;
}

absl::StatusOr<PolicyVersion> PolicyStore::Get(uint64_t version) const {
  CAIRN_ASSIGN_OR_RETURN(PolicyVersion v, GetMetadata(version));
  rocksdb::Status s =
      db_->db()->Get(rocksdb::ReadOptions(), cf_, VersionKey(kText, version), &v.text);
  if (s.IsNotFound()) {
    return absl::DataLossError(absl::StrCat("policy version ", version, ": its text is missing"));
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(s, absl::StrCat("reading policy version ", version)));
  if (Sha256(v.text) != v.sha256) {
    return absl::DataLossError(
        absl::StrCat("policy version ", version, ": its text does not match its SHA-256"));
  }
  return v;
}

absl::StatusOr<PolicyVersion> PolicyStore::Current() const {
  CAIRN_ASSIGN_OR_RETURN(uint64_t newest, NewestVersion());
  if (newest == 0) return absl::NotFoundError("no policy has been applied");
  return Get(newest);
}

absl::StatusOr<std::vector<PolicyChange>> PolicyStore::History(size_t limit) const {
  limit = std::min(limit, kMaxHistory);
  CAIRN_ASSIGN_OR_RETURN(uint64_t newest, NewestVersion());
  const uint64_t first = newest > limit ? newest - limit + 1 : 1;
  std::vector<PolicyChange> out;
  PolicyVersion before;  // version 0: no grants, rules or groups
  if (first > 1) {
    CAIRN_ASSIGN_OR_RETURN(before, GetMetadata(first - 1));
  }
  for (uint64_t version = first; version <= newest && newest > 0; ++version) {
    CAIRN_ASSIGN_OR_RETURN(PolicyVersion now, GetMetadata(version));
    PolicyChange c;
    c.version = version;
    c.applied_at = now.applied_at;
    c.file_name = now.file_name;
    c.applied_by = now.applied_by;
    c.sha256 = now.sha256;
    Compare(before.grants, now.grants, &c.grants_added, &c.grants_removed, &c.grants_changed);
    Compare(before.deny_rules, now.deny_rules, &c.deny_rules_added, &c.deny_rules_removed,
            &c.deny_rules_changed);
    c.groups_changed = before.groups_digest != now.groups_digest;
    out.push_back(std::move(c));
    before = std::move(now);
  }
  return out;
}

absl::StatusOr<std::string> PolicyStore::RemoveGrant(absl::string_view name) const {
  absl::StatusOr<PolicyVersion> current = Current();
  if (absl::IsNotFound(current.status())) {
    return absl::NotFoundError(absl::StrCat("no policy is applied, so no grant '", name, "'"));
  }
  if (!current.ok()) return current.status();
  return RemoveGrantFromPolicyText(current->text, name);
}

}  // namespace cairn
