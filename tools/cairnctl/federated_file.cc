// Kept federated results and their rows; see federated_file.h.
#include "tools/cairnctl/federated_file.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "protocol/armor.h"

namespace cairn {
namespace {

constexpr absl::string_view kResultLabel = "CAIRN FEDERATED RESULT";
constexpr absl::string_view kResultBegin = "-----BEGIN CAIRN FEDERATED RESULT-----";
constexpr absl::string_view kRosterBegin = "-----BEGIN CAIRN CONSORTIUM ROSTER-----";
constexpr absl::string_view kRosterEnd = "-----END CAIRN CONSORTIUM ROSTER-----";

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

namespace {

Table FederatedTable(const Query& q, const std::vector<FederatedRow>& rows,
                     uint32_t min_contributors, absl::string_view unit) {
  std::vector<std::string> keys = GroupKeyNames(q);
  std::vector<std::string> titles = keys;
  keys.insert(keys.end(), {"members", "released", "value"});
  titles.insert(titles.end(), {"members", "released", ValueTitle(q, unit)});
  Table table(keys, titles);
  table.SetEmptyNote("(no member has records in any group)");
  for (const FederatedRow& row : rows) {
    std::vector<Value> line;
    if (q.time_group) {
      line.push_back(row.bucket ? Value(BucketLabel(*row.bucket, *q.time_group)) : Value());
    }
    for (const std::string& tag : row.tags) line.push_back(tag);
    line.push_back(row.contributors);
    line.push_back(row.released);
    if (!row.released) {
      line.push_back(Value().Shown(absl::StrCat("withheld (<", min_contributors, ")")));
    } else {
      line.push_back(row.value ? Value(*row.value) : Value().Shown("n/a"));
    }
    table.Add(std::move(line));
  }
  return table;
}

}  // namespace

Json FederatedRowsJson(const Query& q, const std::vector<FederatedRow>& rows,
                       uint32_t min_contributors, absl::string_view unit) {
  Json doc;
  doc["query"] = DescribeQuery(q);
  if (!unit.empty()) doc["unit"] = std::string(unit);
  doc["min_contributors"] = min_contributors;
  doc["rows"] = FederatedTable(q, rows, min_contributors, unit).ToJson();
  return doc;
}

std::string FormatFederatedRows(const Query& q, const std::vector<FederatedRow>& rows,
                                uint32_t min_contributors, OutputFormat format,
                                absl::string_view unit) {
  if (format == OutputFormat::kJson) {
    return FederatedRowsJson(q, rows, min_contributors, unit).dump(2) + "\n";
  }
  return FederatedTable(q, rows, min_contributors, unit).Render(format);
}

}  // namespace cairn
