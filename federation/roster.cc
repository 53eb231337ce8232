// The consortium roster file; see roster.h.
#include "federation/roster.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/certificate.h"
#include "crypto/pairwise_mask.h"
#include "model/partner_name.h"
#include "policy/policy.h"

namespace cairn {
namespace {

constexpr size_t kMaxReportedErrors = 50;

std::string Where(absl::string_view file, const toml::source_region& region) {
  return absl::StrCat(file, ":", region.begin.line, ":", region.begin.column, ": ");
}

bool IsValidEndpoint(absl::string_view endpoint) {
  const size_t colon = endpoint.rfind(':');
  if (colon == endpoint.npos || colon == 0 || endpoint.size() > 255) return false;
  int port = 0;
  absl::string_view digits = endpoint.substr(colon + 1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(digits, &port) || port < 1 || port > 65535) {
    return false;
  }
  return std::none_of(endpoint.begin(), endpoint.end(),
                      [](char c) { return absl::ascii_isspace(c) || absl::ascii_iscntrl(c); });
}

// Checks the members as a whole; `where[i]` prefixes member i's messages ("" when unknown).
void CheckRoster(absl::string_view consortium, absl::string_view consortium_where,
                 const std::vector<RosterMember>& members, const std::vector<std::string>& where,
                 std::vector<std::string>* errors) {
  if (!IsValidPolicyName(consortium)) {
    errors->push_back(absl::StrCat(consortium_where, "consortium '", consortium,
                                   "': must be 1-64 of [a-z0-9_-], starting with a letter or "
                                   "digit"));
  }
  if (members.size() < 2 || members.size() > kMaxCohortMembers) {
    errors->push_back(absl::StrCat(consortium_where, "a roster lists 2..", kMaxCohortMembers,
                                   " members, this one ", members.size()));
  }
  std::map<std::string, size_t> names;
  std::map<Fingerprint, size_t> fingerprints;
  for (size_t i = 0; i < members.size(); ++i) {
    const RosterMember& m = members[i];
    const std::string element = absl::StrCat(where[i], "member '", m.name, "'");
    if (!IsValidPartnerName(m.name)) {
      errors->push_back(absl::StrCat(element,
                                     " field 'name': not a valid partner name (1-128 of "
                                     "[A-Za-z0-9._:-], starting with a letter or digit)"));
    }
    if (!IsValidEndpoint(m.endpoint)) {
      errors->push_back(absl::StrCat(element, " field 'endpoint': '", m.endpoint,
                                     "' is not host:port (port 1..65535)"));
    }
    if (m.public_key && m.public_key->fingerprint() != m.fingerprint) {
      errors->push_back(absl::StrCat(element, " field 'certificate': its key is ",
                                     m.public_key->fingerprint().ToString(), ", not the member's ",
                                     m.fingerprint.ToString()));
    }
    if (auto [it, inserted] = names.emplace(m.name, i); !inserted) {
      errors->push_back(
          absl::StrCat(element, ": the name is already used by the member at ",
                       where[it->second].empty() ? "another entry" : where[it->second]));
    }
    if (auto [it, inserted] = fingerprints.emplace(m.fingerprint, i); !inserted) {
      errors->push_back(absl::StrCat(element, ": fingerprint ", m.fingerprint.ToString(),
                                     " is already member '", members[it->second].name, "'"));
    }
  }
}

absl::Status ErrorsToStatus(std::vector<std::string> errors) {
  if (errors.size() > kMaxReportedErrors) {
    const size_t more = errors.size() - kMaxReportedErrors;
    errors.resize(kMaxReportedErrors);
    errors.push_back(absl::StrCat("... and ", more, " more errors"));
  }
  return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
}

// Reads one [[member]] table, reporting type errors and unknown keys with their location.
std::optional<RosterMember> ParseMember(absl::string_view file, const toml::table& t, size_t index,
                                        std::vector<std::string>* errors) {
  std::string element = absl::StrCat("member #", index + 1);
  if (const auto* name = t.get_as<std::string>("name")) {
    element = absl::StrCat("member '", name->get(), "'");
  }
  bool ok = true;
  auto error = [&](const toml::source_region& at, absl::string_view field,
                   absl::string_view message) {
    errors->push_back(absl::StrCat(Where(file, at), element, " field '", field, "': ", message));
    ok = false;
  };
  auto text = [&](absl::string_view key) -> std::optional<std::string> {
    const toml::node* n = t.get(std::string_view(key.data(), key.size()));
    if (n == nullptr) {
      errors->push_back(
          absl::StrCat(Where(file, t.source()), element, ": missing field '", key, "'"));
      ok = false;
      return std::nullopt;
    }
    if (const auto* s = n->as_string()) return s->get();
    error(n->source(), key, "expected a string");
    return std::nullopt;
  };
  for (auto&& [key, node] : t) {
    if (key != "name" && key != "fingerprint" && key != "endpoint" && key != "certificate") {
      errors->push_back(absl::StrCat(Where(file, key.source()), element, ": unknown field '",
                                     std::string(key.str()),
                                     "' (expected name, fingerprint, "
                                     "endpoint, certificate)"));
      ok = false;
    }
  }
  std::optional<std::string> name = text("name");
  std::optional<std::string> fingerprint_text = text("fingerprint");
  std::optional<std::string> endpoint = text("endpoint");
  if (name && !IsValidPartnerName(*name)) {
    error(t.get("name")->source(), "name",
          "not a valid partner name (1-128 of [A-Za-z0-9._:-], starting with a letter or digit)");
  }
  if (endpoint && !IsValidEndpoint(*endpoint)) {
    error(t.get("endpoint")->source(), "endpoint",
          absl::StrCat("'", *endpoint, "' is not host:port (port 1..65535)"));
  }
  std::optional<Fingerprint> fingerprint;
  if (fingerprint_text) {
    absl::StatusOr<Fingerprint> f = Fingerprint::Parse(*fingerprint_text);
    if (f.ok()) {
      fingerprint = *f;
    } else {
      error(t.get("fingerprint")->source(), "fingerprint", f.status().message());
    }
  }
  std::optional<PublicKey> key;
  std::string pem;
  if (const toml::node* n = t.get("certificate")) {
    if (const auto* s = n->as_string()) {
      absl::StatusOr<CertificateInfo> cert = ParseCertificate(s->get());
      if (cert.ok()) {
        key = cert->public_key;
        pem = cert->pem;
      } else {
        error(n->source(), "certificate", cert.status().message());
      }
    } else {
      error(n->source(), "certificate", "expected a string (the PEM text)");
    }
  }
  if (!ok || !name || !fingerprint || !endpoint) return std::nullopt;
  return RosterMember{*std::move(name), *fingerprint, *std::move(endpoint), key, std::move(pem)};
}

}  // namespace

absl::StatusOr<ConsortiumRoster> ConsortiumRoster::Make(std::string consortium,
                                                        std::vector<RosterMember> members) {
  std::vector<std::string> errors;
  CheckRoster(consortium, "", members, std::vector<std::string>(members.size()), &errors);
  if (!errors.empty()) return ErrorsToStatus(std::move(errors));
  ConsortiumRoster roster;
  roster.consortium_ = std::move(consortium);
  roster.members_ = std::move(members);
  std::sort(roster.members_.begin(), roster.members_.end(),
            [](const RosterMember& a, const RosterMember& b) { return a.name < b.name; });
  return roster;
}

const RosterMember* ConsortiumRoster::Find(const Fingerprint& fingerprint) const {
  for (const RosterMember& m : members_) {
    if (m.fingerprint == fingerprint) return &m;
  }
  return nullptr;
}

std::vector<PublicKey> ConsortiumRoster::KnownPublicKeys() const {
  std::vector<PublicKey> keys;
  for (const RosterMember& m : members_) {
    if (m.public_key) keys.push_back(*m.public_key);
  }
  return keys;
}

const RosterMember* ConsortiumRoster::FindByName(absl::string_view name) const {
  auto it = std::lower_bound(members_.begin(), members_.end(), name,
                             [](const RosterMember& m, absl::string_view n) { return m.name < n; });
  return it != members_.end() && it->name == name ? &*it : nullptr;
}

absl::StatusOr<ConsortiumRoster> ParseRoster(absl::string_view file_name, absl::string_view text) {
  if (text.size() > kMaxRosterFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": larger than ", kMaxRosterFileBytes, " bytes"));
  }
  toml::table root;
  try {
    root = toml::parse(std::string_view(text.data(), text.size()),
                       std::string_view(file_name.data(), file_name.size()));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(file_name, e.source()), "not valid TOML: ", std::string(e.description())));
  }
  std::vector<std::string> errors;
  for (auto&& [key, node] : root) {
    if (key != "version" && key != "consortium" && key != "member") {
      errors.push_back(absl::StrCat(Where(file_name, key.source()), "unknown field '",
                                    std::string(key.str()),
                                    "' (expected version, consortium, [[member]])"));
    }
  }
  const toml::node* version = root.get("version");
  if (version == nullptr) {
    errors.push_back(absl::StrCat(file_name, ": missing field 'version'"));
  } else if (version->value<int64_t>() != std::optional<int64_t>(1)) {
    errors.push_back(absl::StrCat(Where(file_name, version->source()),
                                  "field 'version': this cairnd reads version 1"));
  }
  std::string consortium;
  std::string consortium_where = absl::StrCat(file_name, ": ");
  if (const toml::node* n = root.get("consortium")) {
    consortium_where = Where(file_name, n->source());
    if (const auto* s = n->as_string()) {
      consortium = s->get();
    } else {
      errors.push_back(absl::StrCat(consortium_where, "field 'consortium': expected a string"));
    }
  } else {
    errors.push_back(absl::StrCat(file_name, ": missing field 'consortium'"));
  }
  std::vector<RosterMember> members;
  std::vector<std::string> where;
  if (const toml::node* n = root.get("member")) {
    const toml::array* a = n->as_array();
    if (a == nullptr || !a->is_array_of_tables()) {
      errors.push_back(absl::StrCat(Where(file_name, n->source()),
                                    "field 'member': write each member as a [[member]] table"));
    } else {
      for (size_t i = 0; i < a->size(); ++i) {
        const toml::table& t = *a->get(i)->as_table();
        std::optional<RosterMember> m = ParseMember(file_name, t, i, &errors);
        if (!m) continue;
        members.push_back(*std::move(m));
        where.push_back(Where(file_name, t.source()));
      }
    }
  }
  // Field errors first: whole-roster checks on half-read members would only repeat them.
  if (errors.empty()) CheckRoster(consortium, consortium_where, members, where, &errors);
  if (!errors.empty()) return ErrorsToStatus(std::move(errors));
  return ConsortiumRoster::Make(std::move(consortium), std::move(members));
}

absl::StatusOr<ConsortiumRoster> LoadRoster(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    std::string message = absl::StrCat("cannot read roster file ", path, ": ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(message) : absl::PermissionDeniedError(message);
  }
  std::string text;
  char buf[64 << 10];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxRosterFileBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than ", kMaxRosterFileBytes, " bytes"));
    }
  }
  return ParseRoster(path, text);
}

}  // namespace cairn
