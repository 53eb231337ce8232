// Rendering query results for people and programs: an aligned table, JSON, or CSV.
//
// JSON is an object with "rows"; each row holds its group keys by name ("month": "2026-01",
// "product": "P1"), "value" (null for a ratio with a zero denominator), "records" and
// "series". CSV has a header row with the same names. Pure functions; thread-safe.
#ifndef CAIRN_TOOLS_CAIRNCTL_RESULT_FORMAT_H_
#define CAIRN_TOOLS_CAIRNCTL_RESULT_FORMAT_H_

#include <optional>
#include <string>

#include "model/query.h"

namespace cairn {

enum class OutputFormat { kTable, kJson, kCsv };
std::optional<OutputFormat> ParseOutputFormat(absl::string_view name);

// Shortest text that reads back as the same double ("2500", "0.1", "1e+21").
std::string ExactNumber(double v);
// A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break.
std::string CsvField(const std::string& s);

// `unit` labels the value column in the table ("" to omit).
std::string FormatResult(const Query& query, const QueryResult& result, OutputFormat format,
                         absl::string_view unit);

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_RESULT_FORMAT_H_
