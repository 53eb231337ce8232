#include "storage/partner_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "rocksdb/iterator.h"

namespace cairn {

std::string EncodePartner(const Partner& p) {
  nlohmann::json j = {{"name", p.name},
                      {"fingerprint", p.fingerprint},
                      {"display_name", p.display_name},
                      {"certificate_pem", p.certificate_pem},
                      {"endpoint", p.endpoint},
                      {"allowed_metrics", p.allowed_metrics},
                      {"added_at", p.added_at}};
  if (p.revoked_at) j["revoked_at"] = *p.revoked_at;
  return j.dump();
}

absl::StatusOr<Partner> DecodePartner(absl::string_view bytes) {
  nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError("partner record is not valid JSON");
  }
  try {
    Partner p;
    p.name = j.at("name").get<std::string>();
    p.fingerprint = j.at("fingerprint").get<std::string>();
    p.display_name = j.at("display_name").get<std::string>();
    p.certificate_pem = j.at("certificate_pem").get<std::string>();
    p.endpoint = j.at("endpoint").get<std::string>();
    p.allowed_metrics = j.at("allowed_metrics").get<std::vector<std::string>>();
    p.added_at = j.at("added_at").get<Timestamp>();
    if (j.contains("revoked_at")) p.revoked_at = j["revoked_at"].get<Timestamp>();
    return p;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat("partner record is malformed: ", e.what()));
  }
}

absl::StatusOr<std::unique_ptr<PartnerStore>> PartnerStore::Open(Database* db) {
  std::unique_ptr<PartnerStore> store(new PartnerStore(db));
  auto partners = std::make_shared<std::vector<Partner>>();
  std::unique_ptr<rocksdb::Iterator> it(
      db->db()->NewIterator(rocksdb::ReadOptions(), db->handle(Family::kPartners)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::StatusOr<Partner> p =
        DecodePartner(absl::string_view(it->value().data(), it->value().size()));
    if (!p.ok()) {
      return absl::DataLossError(
          absl::StrCat("partner '", it->key().ToString(), "': ", p.status().message()));
    }
    partners->push_back(*std::move(p));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading partners");
  store->partners_ = std::move(partners);
  return store;
}

std::shared_ptr<const std::vector<Partner>> PartnerStore::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return partners_;
}

absl::StatusOr<Partner> PartnerStore::Stage(Partner partner, rocksdb::WriteBatch* batch) const {
  rocksdb::Status s =
      batch->Put(db_->handle(Family::kPartners), partner.name, EncodePartner(partner));
  if (!s.ok()) return FromRocks(s, "partner record");
  return partner;
}

void PartnerStore::Apply(const Partner& partner) {
  std::lock_guard<std::mutex> lock(mu_);
  auto next = std::make_shared<std::vector<Partner>>(*partners_);
  auto it = std::find_if(next->begin(), next->end(),
                         [&](const Partner& p) { return p.name == partner.name; });
  if (it == next->end()) {
    next->push_back(partner);
  } else {
    *it = partner;
  }
  std::sort(next->begin(), next->end(),
            [](const Partner& a, const Partner& b) { return a.name < b.name; });
  partners_ = std::move(next);
}

absl::StatusOr<Partner> PartnerStore::Add(Partner partner, rocksdb::WriteBatch* batch) const {
  if (!IsValidPartnerName(partner.name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "partner name '", partner.name,
        "' is not valid: use lower-case letters, digits, '.', '_' and '-', at most 64"));
  }
  for (const Partner& p : *Snapshot()) {
    if (!p.active()) continue;
    if (p.name == partner.name) {
      return absl::AlreadyExistsError(
          absl::StrCat("partner '", partner.name, "' is already registered (", p.fingerprint,
                       "); revoke it first to register a new certificate"));
    }
    if (p.fingerprint == partner.fingerprint) {
      return absl::AlreadyExistsError(absl::StrCat(
          "the key ", partner.fingerprint, " is already registered as partner '", p.name, "'"));
    }
  }
  partner.revoked_at.reset();
  return Stage(std::move(partner), batch);
}

absl::StatusOr<Partner> PartnerStore::Revoke(absl::string_view name, Timestamp now,
                                             rocksdb::WriteBatch* batch) const {
  std::optional<Partner> p = Find(name);
  if (!p) return absl::NotFoundError(absl::StrCat("no partner named '", name, "'"));
  if (!p->active()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "partner '", name, "' was already revoked at ", FormatTimestamp(*p->revoked_at)));
  }
  p->revoked_at = now;
  return Stage(*std::move(p), batch);
}

absl::StatusOr<Partner> PartnerStore::SetAllowedMetrics(absl::string_view name,
                                                        std::vector<std::string> metrics,
                                                        rocksdb::WriteBatch* batch) const {
  std::optional<Partner> p = Find(name);
  if (!p || !p->active()) {
    return absl::NotFoundError(absl::StrCat("no active partner named '", name, "'"));
  }
  std::sort(metrics.begin(), metrics.end());
  metrics.erase(std::unique(metrics.begin(), metrics.end()), metrics.end());
  p->allowed_metrics = std::move(metrics);
  return Stage(*std::move(p), batch);
}

std::vector<Partner> PartnerStore::List() const { return *Snapshot(); }

std::vector<Partner> PartnerStore::Active() const {
  std::vector<Partner> out;
  for (const Partner& p : *Snapshot()) {
    if (p.active()) out.push_back(p);
  }
  return out;
}

std::optional<Partner> PartnerStore::Find(absl::string_view name) const {
  for (const Partner& p : *Snapshot()) {
    if (p.name == name) return p;
  }
  return std::nullopt;
}

std::optional<Partner> PartnerStore::FindActiveByFingerprint(absl::string_view fingerprint) const {
  for (const Partner& p : *Snapshot()) {
    if (p.active() && p.fingerprint == fingerprint) return p;
  }
  return std::nullopt;
}

}  // namespace cairn
