#include "tools/bench/year_query.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/time.h"

namespace cairn {
namespace {

Timestamp YearStart(int year) { return DaysFromCivil(year, 1, 1) * kMicrosPerDay; }

std::string Shortest(double v) {
  char buf[64];
  char* end = std::to_chars(buf, buf + sizeof(buf), v).ptr;
  return std::string(buf, end);
}

}  // namespace

Query YearSumByMonthAndProduct(int year) {
  Query q;
  q.metric = kYearQueryMetric;
  q.aggregate = Aggregate::kSum;
  q.from = YearStart(year);
  q.to = YearStart(year + 1);
  q.time_group = Granularity::kMonth;
  q.group_tags = {"product"};
  return q;
}

Query RaggedYearSumByMonthAndProduct(int year) {
  Query q = YearSumByMonthAndProduct(year);
  q.from =
      DaysFromCivil(year, 1, 3) * kMicrosPerDay + 5 * kMicrosPerHour + 17 * 60 * kMicrosPerSecond;
  q.to = DaysFromCivil(year, 12, 28) * kMicrosPerDay + 19 * kMicrosPerHour +
         43 * 60 * kMicrosPerSecond;
  return q;
}

absl::StatusOr<std::vector<GroupedSum>> FromQueryResult(const QueryResult& result) {
  if (result.time_group != Granularity::kMonth || result.group_tags.size() != 1 ||
      result.group_tags[0] != "product") {
    return absl::InvalidArgumentError("the result is not grouped by month and product");
  }
  std::vector<GroupedSum> sums;
  for (const ResultRow& row : result.rows) {
    if (!row.bucket || row.tags.size() != 1 || !row.value) {
      return absl::InvalidArgumentError(
          absl::StrCat("result row ", sums.size(), " lacks a month, a product or a value"));
    }
    sums.push_back({BucketLabel(*row.bucket, Granularity::kMonth), row.tags[0], *row.value});
  }
  return sums;
}

std::string FormatCsv(const std::vector<GroupedSum>& sums) {
  std::string out = "month,product,sum\n";
  for (const GroupedSum& s : sums)
    absl::StrAppend(&out, s.month, ",", s.product, ",", Shortest(s.sum), "\n");
  return out;
}

absl::StatusOr<std::vector<GroupedSum>> ParseCsv(absl::string_view csv) {
  std::vector<absl::string_view> lines = absl::StrSplit(csv, '\n', absl::SkipEmpty());
  if (lines.empty() || lines[0] != "month,product,sum") {
    return absl::InvalidArgumentError("line 1: expected the header month,product,sum");
  }
  std::vector<GroupedSum> sums;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<absl::string_view> fields = absl::StrSplit(lines[i], ',');
    double sum = 0;
    if (fields.size() != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", i + 1, ": expected 3 fields, found ", fields.size()));
    }
    if (!absl::SimpleAtod(fields[2], &sum) || !std::isfinite(sum)) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", i + 1, ": sum '", fields[2], "' is not a finite number"));
    }
    sums.push_back({std::string(fields[0]), std::string(fields[1]), sum});
  }
  return sums;
}

absl::Status CompareAnswers(const std::vector<GroupedSum>& expected,
                            const std::vector<GroupedSum>& actual, double relative_tolerance) {
  for (size_t i = 0; i < std::max(expected.size(), actual.size()); ++i) {
    if (i >= expected.size()) {
      return absl::FailedPreconditionError(absl::StrCat("extra group ", actual[i].month, " ",
                                                        actual[i].product, " (expected ",
                                                        expected.size(), " groups)"));
    }
    const GroupedSum& e = expected[i];
    if (i >= actual.size()) {
      return absl::FailedPreconditionError(absl::StrCat("missing group ", e.month, " ", e.product,
                                                        " (found ", actual.size(), " groups)"));
    }
    const GroupedSum& a = actual[i];
    if (e.month != a.month || e.product != a.product) {
      return absl::FailedPreconditionError(absl::StrCat("group ", i + 1, ": expected ", e.month,
                                                        " ", e.product, ", found ", a.month, " ",
                                                        a.product));
    }
    double scale = std::max(std::fabs(e.sum), std::fabs(a.sum));
    if (std::fabs(e.sum - a.sum) > relative_tolerance * scale) {
      return absl::FailedPreconditionError(absl::StrCat("group ", e.month, " ", e.product,
                                                        ": expected sum ", Shortest(e.sum),
                                                        ", found ", Shortest(a.sum)));
    }
  }
  return absl::OkStatus();
}

}  // namespace cairn
