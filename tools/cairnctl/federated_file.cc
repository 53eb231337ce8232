// Kept federated results and their rows; see federated_file.h.
#include "tools/cairnctl/federated_file.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"
#include "protocol/armor.h"

namespace cairn {
namespace {

constexpr absl::string_view kResultLabel = "CAIRN FEDERATED RESULT";
constexpr absl::string_view kResultBegin = "-----BEGIN CAIRN FEDERATED RESULT-----";
constexpr absl::string_view kRosterBegin = "-----BEGIN CAIRN CONSORTIUM ROSTER-----";
constexpr absl::string_view kRosterEnd = "-----END CAIRN CONSORTIUM ROSTER-----";

std::vector<std::string> KeyNames(const Query& q) {
  std::vector<std::string> names;
  if (q.time_group) names.emplace_back(GranularityName(*q.time_group));
  names.insert(names.end(), q.group_tags.begin(), q.group_tags.end());
  return names;
}

std::vector<std::string> KeyValues(const Query& q, const FederatedRow& row) {
  std::vector<std::string> values;
  if (q.time_group && row.bucket) values.push_back(BucketLabel(*row.bucket, *q.time_group));
  values.insert(values.end(), row.tags.begin(), row.tags.end());
  return values;
}

std::string ValueName(const Query& q) {
  return q.aggregate == Aggregate::kRatio
             ? absl::StrCat(q.metric, "/", q.ratio_denominator)
             : absl::StrCat(AggregateName(q.aggregate), "(", q.metric, ")");
}

std::string Table(const Query& q, const std::vector<FederatedRow>& rows, uint32_t min,
                  absl::string_view unit) {
  std::vector<std::string> header = KeyNames(q);
  std::string value_name = ValueName(q);
  if (!unit.empty()) absl::StrAppend(&value_name, " [", unit, "]");
  header.push_back("members");
  header.push_back(value_name);
  std::vector<std::vector<std::string>> cells;
  for (const FederatedRow& row : rows) {
    std::vector<std::string> line = KeyValues(q, row);
    line.push_back(absl::StrCat(row.contributors));
    if (!row.released) {
      line.push_back(absl::StrCat("withheld (<", min, ")"));
    } else {
      line.push_back(row.value ? absl::StrFormat("%.10g", *row.value) : "n/a");
    }
    cells.push_back(std::move(line));
  }
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  const size_t numeric_from = header.size() - 2;
  auto render = [&](const std::vector<std::string>& line) {
    std::string out;
    for (size_t i = 0; i < line.size(); ++i) {
      if (i > 0) out += "  ";
      std::string pad(width[i] - line[i].size(), ' ');
      out += i >= numeric_from ? pad + line[i] : line[i] + (i + 1 < line.size() ? pad : "");
    }
    return out + "\n";
  };
  std::string out = render(header);
  for (const auto& line : cells) out += render(line);
  if (rows.empty()) out += "(no member has records in any group)\n";
  return out;
}

}  // namespace

std::string ArmorFederatedResult(const FederatedResult& result, absl::string_view roster_text) {
  std::string out = Armor(kResultLabel, EncodeFederatedResult(result));
  if (!roster_text.empty()) {
    absl::StrAppend(&out, kRosterBegin, "\n", roster_text,
                    absl::EndsWith(roster_text, "\n") ? "" : "\n", kRosterEnd, "\n");
  }
  return out;
}

bool IsArmoredFederatedResult(absl::string_view text) {
  return text.find(kResultBegin) != absl::string_view::npos;
}

absl::StatusOr<KeptFederatedResult> DearmorFederatedResult(absl::string_view text) {
  if (text.size() > kMaxKeptFederatedBytes) {
    return absl::InvalidArgumentError("larger than any kept federated result");
  }
  CAIRN_ASSIGN_OR_RETURN(const Dearmored block,
                         Dearmor(kResultLabel, text, "kept federated result"));
  KeptFederatedResult kept;
  absl::StatusOr<FederatedResult> result = DecodeFederatedResult(block.bytes);
  if (!result.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the federated result is damaged: ", result.status().message()));
  }
  kept.result = *std::move(result);
  const size_t roster = text.find(kRosterBegin, block.end);
  if (roster != absl::string_view::npos) {
    const size_t from = text.find('\n', roster);
    const size_t to = text.find(kRosterEnd, roster);
    if (from == absl::string_view::npos || to == absl::string_view::npos || to < from) {
      return absl::InvalidArgumentError("the roster block is not terminated");
    }
    kept.roster_text = std::string(text.substr(from + 1, to - from - 1));
  }
  return kept;
}

std::string FormatFederatedRows(const Query& q, const std::vector<FederatedRow>& rows,
                                uint32_t min_contributors, OutputFormat format,
                                absl::string_view unit) {
  const std::vector<std::string> names = KeyNames(q);
  switch (format) {
    case OutputFormat::kTable:
      return Table(q, rows, min_contributors, unit);
    case OutputFormat::kJson: {
      nlohmann::ordered_json doc;
      doc["query"] = DescribeQuery(q);
      if (!unit.empty()) doc["unit"] = std::string(unit);
      doc["min_contributors"] = min_contributors;
      doc["rows"] = nlohmann::ordered_json::array();
      for (const FederatedRow& row : rows) {
        nlohmann::ordered_json j;
        const std::vector<std::string> values = KeyValues(q, row);
        for (size_t i = 0; i < names.size() && i < values.size(); ++i) j[names[i]] = values[i];
        j["members"] = row.contributors;
        j["released"] = row.released;
        j["value"] = row.value ? nlohmann::ordered_json(*row.value) : nlohmann::ordered_json();
        doc["rows"].push_back(std::move(j));
      }
      return doc.dump(2) + "\n";
    }
    case OutputFormat::kCsv: {
      std::vector<std::string> header = names;
      header.insert(header.end(), {"members", "released", "value"});
      std::string out = absl::StrJoin(header, ",") + "\n";
      for (const FederatedRow& row : rows) {
        std::vector<std::string> line;
        for (const std::string& v : KeyValues(q, row)) line.push_back(CsvField(v));
        line.push_back(absl::StrCat(row.contributors));
        line.push_back(row.released ? "true" : "false");
        line.push_back(row.value ? ExactNumber(*row.value) : "");
        out += absl::StrJoin(line, ",") + "\n";
      }
      return out;
    }
  }
  return "";
}

}  // namespace cairn
