#include "tools/cairnctl/result_format.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace cairn {
namespace {

std::vector<std::string> KeyNames(const QueryResult& r) {
  std::vector<std::string> names;
  if (r.time_group) names.emplace_back(GranularityName(*r.time_group));
  names.insert(names.end(), r.group_tags.begin(), r.group_tags.end());
  return names;
}

std::vector<std::string> KeyValues(const QueryResult& r, const ResultRow& row) {
  std::vector<std::string> values;
  if (r.time_group && row.bucket) values.push_back(BucketLabel(*row.bucket, *r.time_group));
  values.insert(values.end(), row.tags.begin(), row.tags.end());
  return values;
}

std::string Table(const Query& query, const QueryResult& r, absl::string_view unit) {
  std::vector<std::string> header = KeyNames(r);
  std::string value_name =
      query.aggregate == Aggregate::kRatio
          ? absl::StrCat(query.metric, "/", query.ratio_denominator)
          : absl::StrCat(AggregateName(query.aggregate), "(", query.metric, ")");
  if (!unit.empty()) absl::StrAppend(&value_name, " [", unit, "]");
  header.push_back(value_name);
  header.push_back("records");
  std::vector<std::vector<std::string>> cells;
  for (const ResultRow& row : r.rows) {
    std::vector<std::string> line = KeyValues(r, row);
    for (std::string& v : line) {
      if (v.empty()) v = "-";
    }
    line.push_back(row.value ? absl::StrFormat("%.10g", *row.value) : "n/a");
    line.push_back(absl::StrCat(row.records));
    cells.push_back(std::move(line));
  }
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  size_t numeric_from = header.size() - 2;  // value and records are right-aligned
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
  if (r.rows.empty()) out += "(no records match)\n";
  return out;
}

}  // namespace

std::string ExactNumber(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : absl::StrCat(v);
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::optional<OutputFormat> ParseOutputFormat(absl::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  return std::nullopt;
}

std::string FormatResult(const Query& query, const QueryResult& r, OutputFormat format,
                         absl::string_view unit) {
  std::vector<std::string> names = KeyNames(r);
  switch (format) {
    case OutputFormat::kTable:
      return Table(query, r, unit);
    case OutputFormat::kJson: {
      nlohmann::ordered_json doc;
      doc["query"] = DescribeQuery(query);
      if (!unit.empty()) doc["unit"] = std::string(unit);
      doc["rows"] = nlohmann::ordered_json::array();
      for (const ResultRow& row : r.rows) {
        nlohmann::ordered_json j;
        std::vector<std::string> values = KeyValues(r, row);
        for (size_t i = 0; i < names.size(); ++i) j[names[i]] = values[i];
        j["value"] = row.value ? nlohmann::ordered_json(*row.value) : nlohmann::ordered_json();
        j["records"] = row.records;
        j["series"] = row.series;
        doc["rows"].push_back(std::move(j));
      }
      doc["stats"] = {{"series", r.stats.series},
                      {"rollup_buckets", r.stats.rollup_buckets},
                      {"raw_records", r.stats.raw_records}};
      return doc.dump(2) + "\n";
    }
    case OutputFormat::kCsv: {
      std::vector<std::string> header = names;
      header.insert(header.end(), {"value", "records", "series"});
      std::string out = absl::StrJoin(header, ",") + "\n";
      for (const ResultRow& row : r.rows) {
        std::vector<std::string> line;
        for (const std::string& v : KeyValues(r, row)) line.push_back(CsvField(v));
        line.push_back(row.value ? ExactNumber(*row.value) : "");
        line.push_back(absl::StrCat(row.records));
        line.push_back(absl::StrCat(row.series));
        out += absl::StrJoin(line, ",") + "\n";
      }
      return out;
    }
  }
  return "";
}

}  // namespace cairn
