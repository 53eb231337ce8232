// How cairnctl shows what it got, in one place: a Table of named columns, rendered aligned for
// people, as JSON (an array of objects keyed by column) or as CSV (a header row, then one row
// per line); a Record (one thing's fields) as aligned "key  value" lines, a JSON object or a
// one-row CSV. Values keep their type, so JSON gets numbers, booleans, nulls, arrays and
// nested objects where the table shows text; a value may carry the text a table shows instead
// (an epsilon "0.5" for 500000 millionths, "n/a" for a null). Columns whose values are all
// numbers are right-aligned. Pure functions and values; thread-compatible.
#ifndef CAIRN_TOOLS_CAIRNCTL_RENDER_H_
#define CAIRN_TOOLS_CAIRNCTL_RENDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace cairn {

using Json = nlohmann::ordered_json;

enum class OutputFormat { kTable, kJson, kCsv };
// "table", "json" or "csv"; nullopt otherwise.
std::optional<OutputFormat> ParseOutputFormat(absl::string_view name);

// Shortest text that reads back as the same double ("2500", "0.1", "1e+21").
std::string ExactNumber(double v);
// A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break.
std::string CsvField(const std::string& s);
// One line of JSON; invalid UTF-8 becomes U+FFFD rather than failing.
std::string CompactJson(const Json& json);

// One cell or field.
class Value {
 public:
  Value() = default;  // null: "-" in a table, empty in CSV
  Value(const char* text) : json_(text) {}
  Value(std::string text) : json_(std::move(text)) {}
  Value(absl::string_view text) : json_(std::string(text)) {}
  Value(bool b) : json_(b) {}
  template <typename N, typename = std::enable_if_t<std::is_arithmetic_v<N>>>
  Value(N n) : json_(n) {}
  Value(std::vector<std::string> list) : json_(std::move(list)) {}  // ", " in a table
  // Any JSON (a nested object, an array of objects) and the text a table and CSV show for it.
  static Value Nested(Json json, std::string text);

  // The text a table shows instead of the value's own (e.g. "withheld" for a null).
  Value Shown(std::string text) &&;

  const Json& json() const { return json_; }
  std::string TableText() const;
  std::string CsvText() const;
  bool numeric() const { return json_.is_number(); }

 private:
  Json json_;
  std::optional<std::string> text_;
};

class Table {
 public:
  // `keys` name the columns in JSON and CSV; a table's header shows them upper-case with
  // spaces for '_' unless `titles` (one per key) says otherwise.
  explicit Table(std::vector<std::string> keys, std::vector<std::string> titles = {});

  void Add(std::vector<Value> row);  // one value per key
  // What a table says when there are no rows ("no partners registered"); JSON is then [].
  void SetEmptyNote(std::string note) { empty_note_ = std::move(note); }

  bool empty() const { return rows_.empty(); }
  Json ToJson() const;  // an array of objects keyed by column
  std::string Render(OutputFormat format) const;

 private:
  std::vector<std::string> keys_, titles_;
  std::vector<std::vector<Value>> rows_;
  std::string empty_note_;
};

class Record {
 public:
  Record& Add(std::string key, Value value);

  const std::vector<std::pair<std::string, Value>>& fields() const { return fields_; }
  Json ToJson() const;
  std::string Render(OutputFormat format) const;

 private:
  std::vector<std::pair<std::string, Value>> fields_;
};

// A table with the records' keys as columns (those of the first record) and one row each.
Table TableOf(const std::vector<Record>& records);

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_RENDER_H_
