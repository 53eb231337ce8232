// See render.h.
#include "tools/cairnctl/render.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace cairn {
namespace {

// The text of a value without an override; `exact` numbers for CSV.
std::string TextOf(const Json& j, bool exact) {
  if (j.is_null()) return "";
  if (j.is_string()) return j.get<std::string>();
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_number_unsigned()) return absl::StrCat(j.get<uint64_t>());
  if (j.is_number_integer()) return absl::StrCat(j.get<int64_t>());
  if (j.is_number_float()) {
    return exact ? ExactNumber(j.get<double>()) : absl::StrFormat("%.10g", j.get<double>());
  }
  if (j.is_array() &&
      std::all_of(j.begin(), j.end(), [](const Json& e) { return e.is_string(); })) {
    std::vector<std::string> parts;
    for (const Json& e : j) parts.push_back(e.get<std::string>());
    return absl::StrJoin(parts, exact ? ";" : ", ");
  }
  return CompactJson(j);
}

std::string Title(const std::string& key) {
  return absl::AsciiStrToUpper(absl::StrReplaceAll(key, {{"_", " "}}));
}

// Rows of cells aligned in columns two spaces apart; `right` columns are right-aligned. The
// last column is not padded.
std::string Align(const std::vector<std::vector<std::string>>& lines,
                  const std::vector<bool>& right) {
  std::vector<size_t> width(right.size(), 0);
  for (const auto& line : lines) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  std::string out;
  for (const auto& line : lines) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      if (i > 0) text += "  ";
      std::string pad(width[i] - line[i].size(), ' ');
      text += right[i] ? pad + line[i] : line[i] + (i + 1 < line.size() ? pad : "");
    }
    out += text + "\n";
  }
  return out;
}

}  // namespace

std::optional<OutputFormat> ParseOutputFormat(absl::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  return std::nullopt;
}

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

std::string CompactJson(const Json& json) {
  return json.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

Value Value::Nested(Json json, std::string text) {
  Value v;
  v.json_ = std::move(json);
  v.text_ = std::move(text);
  return v;
}

Value Value::Shown(std::string text) && {
  text_ = std::move(text);
  return std::move(*this);
}

std::string Value::TableText() const {
  if (text_) return *text_;
  return json_.is_null() ? "-" : TextOf(json_, /*exact=*/false);
}

std::string Value::CsvText() const {
  if (json_.is_structured() && text_) return CsvField(*text_);
  return CsvField(TextOf(json_, /*exact=*/true));
}

Table::Table(std::vector<std::string> keys, std::vector<std::string> titles)
    : keys_(std::move(keys)), titles_(std::move(titles)) {
  if (titles_.size() != keys_.size()) {
    titles_.clear();
    for (const std::string& k : keys_) titles_.push_back(Title(k));
  }
}

void Table::Add(std::vector<Value> row) {
  row.resize(keys_.size());
  rows_.push_back(std::move(row));
}

Json Table::ToJson() const {
  Json out = Json::array();
  for (const auto& row : rows_) {
    Json j = Json::object();
    for (size_t i = 0; i < keys_.size(); ++i) j[keys_[i]] = row[i].json();
    out.push_back(std::move(j));
  }
  return out;
}

std::string Table::Render(OutputFormat format) const {
  switch (format) {
    case OutputFormat::kJson:
      return ToJson().dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
    case OutputFormat::kCsv: {
      std::vector<std::string> header;
      for (const std::string& k : keys_) header.push_back(CsvField(k));
      std::string out = absl::StrJoin(header, ",") + "\n";
      for (const auto& row : rows_) {
        std::vector<std::string> cells;
        for (const Value& v : row) cells.push_back(v.CsvText());
        out += absl::StrJoin(cells, ",") + "\n";
      }
      return out;
    }
    case OutputFormat::kTable: {
      if (rows_.empty() && !empty_note_.empty()) return empty_note_ + "\n";
      // Right-aligned: columns with numbers and nothing else but nulls.
      std::vector<bool> numbers(keys_.size(), false), others(keys_.size(), false);
      std::vector<std::vector<std::string>> lines = {titles_};
      for (const auto& row : rows_) {
        std::vector<std::string> line;
        for (size_t i = 0; i < row.size(); ++i) {
          line.push_back(row[i].TableText());
          if (row[i].numeric()) {
            numbers[i] = true;
          } else if (!row[i].json().is_null()) {
            others[i] = true;
          }
        }
        lines.push_back(std::move(line));
      }
      std::vector<bool> right(keys_.size());
      for (size_t i = 0; i < right.size(); ++i) right[i] = numbers[i] && !others[i];
      return Align(lines, right);
    }
  }
  return "";
}

Record& Record::Add(std::string key, Value value) {
  fields_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Json Record::ToJson() const {
  Json j = Json::object();
  for (const auto& [key, value] : fields_) j[key] = value.json();
  return j;
}

std::string Record::Render(OutputFormat format) const {
  switch (format) {
    case OutputFormat::kJson:
      return ToJson().dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
    case OutputFormat::kCsv:
      return TableOf({*this}).Render(OutputFormat::kCsv);
    case OutputFormat::kTable: {
      std::vector<std::vector<std::string>> lines;
      for (const auto& [key, value] : fields_) lines.push_back({key, value.TableText()});
      return Align(lines, {false, false});
    }
  }
  return "";
}

Table TableOf(const std::vector<Record>& records) {
  std::vector<std::string> keys;
  if (!records.empty()) {
    for (const auto& [key, value] : records.front().fields()) keys.push_back(key);
  }
  Table table(keys);
  for (const Record& r : records) {
    std::vector<Value> row;
    for (const auto& [key, value] : r.fields()) row.push_back(value);
    table.Add(std::move(row));
  }
  return table;
}

}  // namespace cairn
