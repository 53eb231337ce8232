#include "policy/policy_file.h"

#include <toml++/toml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace cairn {
namespace {

SourceLocation ToLocation(absl::string_view file, const toml::source_region& region) {
  return SourceLocation{std::string(file), static_cast<int>(region.begin.line),
                        static_cast<int>(region.begin.column)};
}

std::string Where(const SourceLocation& loc) {
  return absl::StrCat(loc.file, ":", loc.line, ":", loc.column, ": ");
}

absl::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

// Reads the keys of one TOML table belonging to one element ("grant 'x'"), remembering where
// each field is and which keys were read, and reporting type errors with their location.
class TableReader {
 public:
  TableReader(absl::string_view file, const toml::table& table, std::string element,
              std::string path_prefix, ElementSources* sources, std::vector<std::string>* errors)
      : file_(file),
        table_(table),
        element_(std::move(element)),
        prefix_(std::move(path_prefix)),
        sources_(sources),
        errors_(errors) {}

  // Reports every key that no getter asked for.
  ~TableReader() {
    for (auto&& [key, node] : table_) {
      std::string name(key.str());
      if (read_.count(name) == 0) {
        errors_->push_back(absl::StrCat(Where(ToLocation(file_, key.source())), element_,
                                        ": unknown field '", prefix_, name, "'"));
      }
    }
  }

  void set_element(std::string element) { element_ = std::move(element); }

  // The node under `key`, or nullptr (with an error if `required`).
  const toml::node* Get(absl::string_view key, bool required) {
    std::string name(key);
    read_.insert(name);
    auto it = table_.find(std::string_view(name));
    if (it == table_.end()) {
      if (required) {
        errors_->push_back(absl::StrCat(Where(ToLocation(file_, table_.source())), element_,
                                        ": missing field '", prefix_, name, "'"));
      }
      return nullptr;
    }
    sources_->fields[Path(key)] = ToLocation(file_, it->first.source());
    return &it->second;
  }

  void Error(absl::string_view key, const toml::node& node, absl::string_view message) {
    errors_->push_back(absl::StrCat(Where(ToLocation(file_, node.source())), element_, " field '",
                                    Path(key), "': ", message));
  }
  void TypeError(absl::string_view key, const toml::node& node, absl::string_view expected) {
    Error(key, node, absl::StrCat("expected ", expected, ", found ", TypeName(node)));
  }

  std::optional<std::string> String(absl::string_view key, bool required = false) {
    const toml::node* n = Get(key, required);
    if (n == nullptr) return std::nullopt;
    if (const auto* s = n->as_string()) return s->get();
    TypeError(key, *n, "a string");
    return std::nullopt;
  }

  std::optional<int64_t> Integer(absl::string_view key, bool required = false) {
    const toml::node* n = Get(key, required);
    if (n == nullptr) return std::nullopt;
    if (const auto* i = n->as_integer()) return i->get();
    TypeError(key, *n, "an integer");
    return std::nullopt;
  }

  std::optional<double> Number(absl::string_view key, bool required = false) {
    const toml::node* n = Get(key, required);
    if (n == nullptr) return std::nullopt;
    if (const auto* f = n->as_floating_point()) return f->get();
    if (const auto* i = n->as_integer()) return static_cast<double>(i->get());
    TypeError(key, *n, "a number");
    return std::nullopt;
  }

  std::vector<std::string> StringList(absl::string_view key) {
    std::vector<std::string> out;
    const toml::node* n = Get(key, false);
    if (n == nullptr) return out;
    const toml::array* a = n->as_array();
    if (a == nullptr) {
      TypeError(key, *n, "an array of strings");
      return out;
    }
    for (const toml::node& item : *a) {
      if (const auto* s = item.as_string()) {
        out.push_back(s->get());
      } else {
        TypeError(key, item, "a string");
      }
    }
    return out;
  }

  const toml::table* Table(absl::string_view key) {
    const toml::node* n = Get(key, false);
    if (n == nullptr) return nullptr;
    if (const auto* t = n->as_table()) return t;
    TypeError(key, *n, "a table");
    return nullptr;
  }

  // RFC 3339 as a TOML offset date-time or date, or as a string.
  std::optional<Timestamp> Time(absl::string_view key) {
    const toml::node* n = Get(key, false);
    if (n == nullptr) return std::nullopt;
    if (const auto* s = n->as_string()) {
      absl::StatusOr<Timestamp> ts = ParseTimestamp(s->get());
      if (ts.ok()) return *ts;
      Error(key, *n, ts.status().message());
      return std::nullopt;
    }
    if (const auto* d = n->as_date()) {
      return DaysFromCivil(d->get().year, d->get().month, d->get().day) * kMicrosPerDay;
    }
    if (const auto* dt = n->as_date_time()) {
      const toml::date_time& v = dt->get();
      if (!v.offset) {
        Error(key, *n, "a date-time needs a UTC offset (e.g. 2026-01-01T00:00:00Z)");
        return std::nullopt;
      }
      Timestamp ts = DaysFromCivil(v.date.year, v.date.month, v.date.day) * kMicrosPerDay +
                     v.time.hour * kMicrosPerHour + v.time.minute * 60 * kMicrosPerSecond +
                     v.time.second * kMicrosPerSecond + v.time.nanosecond / 1000 -
                     int64_t{v.offset->minutes} * 60 * kMicrosPerSecond;
      if (ts < kMinTimestamp || ts >= kMaxTimestamp) {
        Error(key, *n, "outside the years 1900..9999");
        return std::nullopt;
      }
      return ts;
    }
    TypeError(key, *n, "an RFC 3339 date-time");
    return std::nullopt;
  }

  std::optional<Granularity> GranularityField(absl::string_view key, bool required) {
    std::optional<std::string> s = String(key, required);
    if (!s) return std::nullopt;
    std::optional<Granularity> g = ParseGranularity(*s);
    if (!g) {
      Error(key, *Get(key, false),
            absl::StrCat("unknown time bucket '", *s,
                         "' (expected hour, day, week, month, quarter or year)"));
    }
    return g;
  }

  std::vector<Aggregate> Aggregates(absl::string_view key) {
    std::vector<Aggregate> out;
    for (const std::string& name : StringList(key)) {
      std::optional<Aggregate> a = ParseAggregate(name);
      if (a) {
        out.push_back(*a);
      } else {
        Error(key, *Get(key, false),
              absl::StrCat("unknown aggregate '", name,
                           "' (expected sum, count, mean, min, max; ratios go under 'ratios')"));
      }
    }
    return out;
  }

  std::string Path(absl::string_view key) const { return absl::StrCat(prefix_, key); }
  absl::string_view file() const { return file_; }
  std::vector<std::string>* errors() const { return errors_; }
  ElementSources* sources() const { return sources_; }
  const std::string& element() const { return element_; }

 private:
  absl::string_view file_;
  const toml::table& table_;
  std::string element_;
  std::string prefix_;
  ElementSources* sources_;
  std::vector<std::string>* errors_;
  std::set<std::string> read_;
};

std::optional<RateLimit> ParseRateLimit(TableReader& parent) {
  const toml::table* t = parent.Table("rate_limit");
  if (t == nullptr) return std::nullopt;
  TableReader r(parent.file(), *t, parent.element(), "rate_limit.", parent.sources(),
                parent.errors());
  RateLimit limit;
  limit.queries = r.Integer("queries", true).value_or(0);
  std::optional<std::string> per = r.String("per", true);
  if (per) {
    limit.window_name = *per;
    if (*per == "minute") {
      limit.window_micros = 60 * kMicrosPerSecond;
    } else if (*per == "hour") {
      limit.window_micros = kMicrosPerHour;
    } else if (*per == "day") {
      limit.window_micros = kMicrosPerDay;
    } else {
      r.Error("per", *t->get("per"),
              absl::StrCat("unknown window '", *per, "' (expected minute, hour or day)"));
    }
  }
  return limit;
}

std::optional<PrivacySpec> ParsePrivacy(TableReader& parent) {
  const toml::table* t = parent.Table("privacy");
  if (t == nullptr) return std::nullopt;
  TableReader r(parent.file(), *t, parent.element(), "privacy.", parent.sources(), parent.errors());
  PrivacySpec p;
  p.epsilon = r.Number("epsilon", true).value_or(0);
  p.budget = r.Number("budget", true).value_or(0);
  p.period = r.GranularityField("period", true).value_or(Granularity::kMonth);
  if (const toml::table* clamps = r.Table("clamp")) {
    TableReader cr(parent.file(), *clamps, parent.element(), "privacy.clamp.", parent.sources(),
                   parent.errors());
    for (auto&& [key, node] : *clamps) {
      std::string metric(key.str());
      const toml::table* ct = cr.Table(metric);
      if (ct == nullptr) continue;
      TableReader m(parent.file(), *ct, parent.element(),
                    absl::StrCat("privacy.clamp.", metric, "."), parent.sources(), parent.errors());
      Clamp c;
      c.lo = m.Number("lo", true).value_or(0);
      c.hi = m.Number("hi", true).value_or(0);
      c.resolution = m.Number("resolution").value_or(1);
      p.clamps.emplace(metric, c);
    }
  }
  return p;
}

std::optional<FederationSpec> ParseFederation(TableReader& parent) {
  const toml::table* t = parent.Table("federation");
  if (t == nullptr) return std::nullopt;
  TableReader r(parent.file(), *t, parent.element(), "federation.", parent.sources(),
                parent.errors());
  FederationSpec f;
  f.consortium = r.String("consortium", true).value_or("");
  if (std::optional<int64_t> n = r.Integer("min_cohort", true)) {
    if (*n < 2 || static_cast<uint64_t>(*n) > kMaxMinCohort) {
      r.Error("min_cohort", *r.Get("min_cohort", false),
              absl::StrCat("must be 2..", kMaxMinCohort));
    }
    f.min_cohort = *n < 0 ? 0 : static_cast<uint64_t>(*n);
  }
  return f;
}

void ParseRatios(TableReader& r, Grant* g) {
  for (const std::string& text : r.StringList("ratios")) {
    std::vector<std::string> parts = absl::StrSplit(text, '/');
    for (std::string& part : parts) part = std::string(absl::StripAsciiWhitespace(part));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      r.Error("ratios", *r.Get("ratios", false),
              absl::StrCat("'", text, "' is not of the form numerator/denominator"));
      continue;
    }
    g->ratios.push_back({parts[0], parts[1]});
  }
}

void ParseGrant(absl::string_view file, const toml::table& t, size_t index, PolicyBuilder* builder,
                std::vector<std::string>* errors) {
  Grant g;
  ElementSources sources;
  sources.element = ToLocation(file, t.source());
  {
    TableReader r(file, t, absl::StrCat("grant #", index + 1), "", &sources, errors);
    std::optional<std::string> name = r.String("name");
    if (name) {
      g.name = *name;
      r.set_element(absl::StrCat("grant '", g.name, "'"));
    }
    g.partner = r.String("partner").value_or("");
    g.group = r.String("group").value_or("");
    g.purpose = r.String("purpose").value_or("");
    if (std::optional<std::string> release = r.String("release", true)) {
      if (*release == "exact") {
        g.release = Release::kExact;
      } else if (*release == "protected") {
        g.release = Release::kProtected;
      } else {
        r.Error("release", *r.Get("release", false),
                absl::StrCat("unknown release '", *release, "' (expected exact or protected)"));
      }
    }
    g.metrics = r.StringList("metrics");
    g.aggregates = r.Aggregates("aggregates");
    ParseRatios(r, &g);
    g.filter_tags = r.StringList("filter_tags");
    g.group_tags = r.StringList("group_tags");
    if (const toml::table* scope = r.Table("scope")) {
      TableReader sr(file, *scope, r.element(), "scope.", &sources, errors);
      for (auto&& [key, node] : *scope) {
        std::string tag(key.str());
        g.scope[tag] = sr.StringList(tag);
      }
    }
    g.finest = r.GranularityField("finest", true).value_or(Granularity::kYear);
    if (std::optional<int64_t> n = r.Integer("min_records")) {
      if (*n < 1) r.Error("min_records", *r.Get("min_records", false), "must be at least 1");
      g.min_records = *n < 1 ? 1 : static_cast<uint64_t>(*n);
    }
    if (std::optional<int64_t> n = r.Integer("min_series")) {
      if (*n < 1) r.Error("min_series", *r.Get("min_series", false), "must be at least 1");
      g.min_series = *n < 1 ? 1 : static_cast<uint64_t>(*n);
    }
    g.privacy = ParsePrivacy(r);
    g.rate_limit = ParseRateLimit(r);
    g.valid_from = r.Time("valid_from");
    g.valid_until = r.Time("valid_until");
    g.federation = ParseFederation(r);
  }
  builder->AddGrant(std::move(g), std::move(sources));
}

void ParseDenyRule(absl::string_view file, const toml::table& t, size_t index,
                   PolicyBuilder* builder, std::vector<std::string>* errors) {
  DenyRule d;
  ElementSources sources;
  sources.element = ToLocation(file, t.source());
  {
    TableReader r(file, t, absl::StrCat("deny rule #", index + 1), "", &sources, errors);
    std::optional<std::string> name = r.String("name");
    if (name) {
      d.name = *name;
      r.set_element(absl::StrCat("deny rule '", d.name, "'"));
    }
    d.reason = r.String("reason").value_or("");
    d.partner = r.String("partner").value_or("");
    d.group = r.String("group").value_or("");
    d.metrics = r.StringList("metrics");
    d.aggregates = r.Aggregates("aggregates");
    d.tags = r.StringList("tags");
    d.data_from = r.Time("data_from");
    d.data_to = r.Time("data_to");
  }
  builder->AddDenyRule(std::move(d), std::move(sources));
}

// Calls `parse` for each table of the array of tables under `key` ("[[grant]]").
template <typename ParseFn>
void ForEachTable(TableReader& root, absl::string_view key, ParseFn parse) {
  const toml::node* n = root.Get(key, false);
  if (n == nullptr) return;
  const toml::array* a = n->as_array();
  if (a == nullptr || !a->is_array_of_tables()) {
    root.Error(key, *n, absl::StrCat("write each entry as a [[", key, "]] table"));
    return;
  }
  for (size_t i = 0; i < a->size(); ++i) parse(*a->get(i)->as_table(), i);
}

}  // namespace

absl::StatusOr<Policy> ParsePolicyFile(absl::string_view file_name, absl::string_view text,
                                       const MetricRegistry* registry) {
  std::string file(file_name);
  if (text.size() > kMaxPolicyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": larger than ", kMaxPolicyFileBytes, " bytes"));
  }
  toml::table root;
  try {
    root = toml::parse(std::string_view(text.data(), text.size()), std::string_view(file));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(ToLocation(file, e.source())), std::string(e.description())));
  }

  PolicyBuilder builder(registry);
  std::vector<std::string> errors;
  ElementSources root_sources;
  {
    TableReader r(file, root, "policy", "", &root_sources, &errors);
    std::optional<int64_t> version = r.Integer("version", true);
    if (version && *version != 1) {
      r.Error("version", *r.Get("version", false),
              absl::StrCat("unsupported version ", *version, " (this cairnd reads version 1)"));
    }
    if (const toml::table* groups = r.Table("groups")) {
      for (auto&& [key, node] : *groups) {
        std::string name(key.str());
        ElementSources sources;
        sources.element = ToLocation(file, key.source());
        std::vector<std::string> members;
        const toml::array* a = node.as_array();
        if (a == nullptr) {
          errors.push_back(absl::StrCat(Where(ToLocation(file, node.source())), "group '", name,
                                        "': expected an array of partner names, found ",
                                        TypeName(node)));
          continue;
        }
        for (const toml::node& item : *a) {
          if (const auto* member = item.as_string()) {
            members.push_back(member->get());
          } else {
            errors.push_back(absl::StrCat(Where(ToLocation(file, item.source())), "group '", name,
                                          "': expected a partner name, found ", TypeName(item)));
          }
        }
        builder.AddGroup(name, std::move(members), std::move(sources));
      }
    }
    ForEachTable(r, "grant", [&](const toml::table& t, size_t i) {
      ParseGrant(file, t, i, &builder, &errors);
    });
    ForEachTable(r, "deny", [&](const toml::table& t, size_t i) {
      ParseDenyRule(file, t, i, &builder, &errors);
    });
  }
  // Syntax, type and unknown-key errors first: semantic checks on a half-read element would
  // only repeat them.
  if (!errors.empty()) {
    if (errors.size() > PolicyBuilder::kMaxReportedErrors) {
      size_t more = errors.size() - PolicyBuilder::kMaxReportedErrors;
      errors.resize(PolicyBuilder::kMaxReportedErrors);
      errors.push_back(absl::StrCat("... and ", more, " more errors"));
    }
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  return std::move(builder).Build();
}

absl::StatusOr<Policy> LoadPolicyFile(const std::string& path, const MetricRegistry* registry) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string message = absl::StrCat("cannot read policy file ", path, ": ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(message) : absl::PermissionDeniedError(message);
  }
  std::string text;
  char buf[64 << 10];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxPolicyFileBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than ", kMaxPolicyFileBytes, " bytes"));
    }
  }
  return ParsePolicyFile(path, text, registry);
}

}  // namespace cairn
