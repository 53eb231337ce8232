// The query issue 2 measures, and its answer in a form every peer can produce.
//
// The query: the sum of `energy` over one UTC calendar year, grouped by month and product.
// Its answer is a list of (month "2025-01", product, sum) in month, then product order, which
// cairnd (via a QueryResult) and SQLite (via SQL) both produce, so that the benchmark can check
// that the peers answered the same question before comparing their speed. The answer travels
// between the programs as CSV: a "month,product,sum" header, then one row per group, sums in
// shortest round-trip form. Pure functions; thread-safe.
#ifndef CAIRN_TOOLS_BENCH_YEAR_QUERY_H_
#define CAIRN_TOOLS_BENCH_YEAR_QUERY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/query.h"

namespace cairn {

inline constexpr char kYearQueryMetric[] = "energy";

// sum(energy) over [year-01-01, year+1-01-01) by month and product.
Query YearSumByMonthAndProduct(int year);
// The same over [year-01-03T05:17Z, year-12-28T19:43Z): the edges are not whole hours, so
// they are read from raw records and the rest from rollups.
Query RaggedYearSumByMonthAndProduct(int year);

struct GroupedSum {
  std::string month;    // "2025-01"
  std::string product;  // the product tag ("" for series without one)
  double sum = 0;

  friend bool operator==(const GroupedSum& a, const GroupedSum& b) {
    return a.month == b.month && a.product == b.product && a.sum == b.sum;
  }
};

// The rows of a month x product result. InvalidArgument if `result` is not grouped by month
// and product, or a row has no value.
absl::StatusOr<std::vector<GroupedSum>> FromQueryResult(const QueryResult& result);

std::string FormatCsv(const std::vector<GroupedSum>& sums);
// InvalidArgument naming the line for a missing header, a wrong field count or a sum that is
// not a finite number.
absl::StatusOr<std::vector<GroupedSum>> ParseCsv(absl::string_view csv);

// OK if both hold the same (month, product) groups in the same order and every pair of sums
// differs by at most `relative_tolerance` of the larger magnitude (peers that add doubles in
// another order, or not exactly, differ in the last bits). FailedPrecondition naming the first
// difference otherwise.
absl::Status CompareAnswers(const std::vector<GroupedSum>& expected,
                            const std::vector<GroupedSum>& actual, double relative_tolerance);

}  // namespace cairn

#endif  // CAIRN_TOOLS_BENCH_YEAR_QUERY_H_
