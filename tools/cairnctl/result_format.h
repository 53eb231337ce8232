// Query results for people and programs, through render.h: an aligned table, JSON, or CSV.
//
// JSON is an object with "query", "unit" (when known), "rows" and "stats"; each row holds its
// group keys by name ("month": "2026-01", "product": "P1"), "value" (null for a ratio with a
// zero denominator), "records" and "series". CSV and the table have the same columns; the
// table's value column is titled with the aggregate and unit ("sum(energy) [kWh]"). Pure
// functions; thread-safe.
#ifndef CAIRN_TOOLS_CAIRNCTL_RESULT_FORMAT_H_
#define CAIRN_TOOLS_CAIRNCTL_RESULT_FORMAT_H_

#include <string>
#include <vector>

#include "model/query.h"
#include "tools/cairnctl/render.h"

namespace cairn {

// The names of a result's group keys: the time group ("month") then the grouping tags.
std::vector<std::string> GroupKeyNames(const Query& query);
// What the value column shows in a table: "sum(energy) [kWh]", "co2e_scope1/units_produced".
std::string ValueTitle(const Query& query, absl::string_view unit);

// The JSON document above; `unit` "" to omit.
Json ResultJson(const Query& query, const QueryResult& result, absl::string_view unit);
// `unit` labels the value column ("" to omit).
std::string FormatResult(const Query& query, const QueryResult& result, OutputFormat format,
                         absl::string_view unit);

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_RESULT_FORMAT_H_
