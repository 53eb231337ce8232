// See result_format.h.
#include "tools/cairnctl/result_format.h"

#include "absl/strings/str_cat.h"

namespace cairn {

std::vector<std::string> GroupKeyNames(const Query& q) {
  std::vector<std::string> names;
  if (q.time_group) names.emplace_back(GranularityName(*q.time_group));
  names.insert(names.end(), q.group_tags.begin(), q.group_tags.end());
  return names;
}

std::string ValueTitle(const Query& q, absl::string_view unit) {
  std::string title = q.aggregate == Aggregate::kRatio
                          ? absl::StrCat(q.metric, "/", q.ratio_denominator)
                          : absl::StrCat(AggregateName(q.aggregate), "(", q.metric, ")");
  if (!unit.empty()) absl::StrAppend(&title, " [", unit, "]");
  return title;
}

namespace {

Table ResultTable(const Query& query, const QueryResult& r, absl::string_view unit) {
  std::vector<std::string> keys = GroupKeyNames(query);
  std::vector<std::string> titles = keys;
  keys.insert(keys.end(), {"value", "records", "series"});
  titles.insert(titles.end(), {ValueTitle(query, unit), "records", "series"});
  Table table(keys, titles);
  table.SetEmptyNote("(no records match)");
  for (const ResultRow& row : r.rows) {
    std::vector<Value> line;
    if (query.time_group) {
      line.push_back(row.bucket ? Value(BucketLabel(*row.bucket, *query.time_group)) : Value());
    }
    for (const std::string& tag : row.tags)
      line.push_back(Value(tag).Shown(tag.empty() ? "-" : tag));
    line.push_back(row.value ? Value(*row.value) : Value().Shown("n/a"));
    line.push_back(row.records);
    line.push_back(row.series);
    table.Add(std::move(line));
  }
  return table;
}

}  // namespace

Json ResultJson(const Query& query, const QueryResult& r, absl::string_view unit) {
  Json doc;
  doc["query"] = DescribeQuery(query);
  if (!unit.empty()) doc["unit"] = std::string(unit);
  doc["rows"] = ResultTable(query, r, unit).ToJson();
  doc["stats"] = {{"series", r.stats.series},
                  {"rollup_buckets", r.stats.rollup_buckets},
                  {"raw_records", r.stats.raw_records}};
  return doc;
}

std::string FormatResult(const Query& query, const QueryResult& r, OutputFormat format,
                         absl::string_view unit) {
  if (format == OutputFormat::kJson) return ResultJson(query, r, unit).dump(2) + "\n";
  return ResultTable(query, r, unit).Render(format);
}

}  // namespace cairn
