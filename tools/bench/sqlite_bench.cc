// sqlite_bench: the SQLite peer of issue 2's query: the same year-long sum by month and
// product, over the same CSV loaded into SQLite with a covering index (tools/bench/run.sh
// loads it with the sqlite3 shell; see load_sqlite.sql).
//
//   sqlite_bench --db plant.sqlite [--year 2025] [--runs 10] [--expect cairnd_answer.csv]
//
// The table keeps the CSV's columns (timestamp as RFC 3339 text, all 'Z', so text order is
// time order); the index (metric, timestamp, product, value) covers the query, which groups by
// substr(timestamp, 1, 7), the month. Fails unless SQLite's plan uses the covering index. The
// page cache is set to cairnd's block cache size (64 MiB); the database file is in the OS page
// cache after loading, as cairnd's is. Runs the query --runs times (after one untimed run),
// timing each on the steady clock and the thread's CPU clock, and with --expect checks that
// the answer equals cairnd's (relative 1e-9: SQLite adds doubles in scan order, not exactly).
// Prints one "RESULT key=value ..." line for tools/bench/run.sh. Single-threaded.
#include <sqlite3.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "tools/bench/measure.h"
#include "tools/bench/year_query.h"

namespace cairn {
namespace {

constexpr char kQuery[] =
    "SELECT substr(timestamp, 1, 7) AS month, product, sum(value) FROM records "
    "WHERE metric = ?1 AND timestamp >= ?2 AND timestamp < ?3 "
    "GROUP BY month, product ORDER BY month, product";

struct Flags {
  std::string db;
  int year = 2025;
  int runs = 10;
  std::string expect;
};

int Fail(absl::string_view what, absl::string_view message) {
  std::fprintf(stderr, "sqlite_bench: %s: %s\n", std::string(what).c_str(),
               std::string(message).c_str());
  return 1;
}

// The statement with the year's bounds bound; nullptr (and `error` set) on failure.
sqlite3_stmt* Prepare(sqlite3* db, const char* sql, int year, std::string* error) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    *error = sqlite3_errmsg(db);
    return nullptr;
  }
  const std::string from = FormatTimestamp(DaysFromCivil(year, 1, 1) * kMicrosPerDay);
  const std::string to = FormatTimestamp(DaysFromCivil(year + 1, 1, 1) * kMicrosPerDay);
  sqlite3_bind_text(stmt, 1, kYearQueryMetric, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, from.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 3, to.c_str(), -1, SQLITE_TRANSIENT);
  return stmt;
}

std::string Text(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  return text == nullptr ? "" : reinterpret_cast<const char*>(text);
}

// Runs the prepared query once; false (and `error` set) on failure.
bool RunOnce(sqlite3* db, sqlite3_stmt* stmt, std::vector<GroupedSum>* answer, std::string* error) {
  answer->clear();
  sqlite3_reset(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    answer->push_back({Text(stmt, 0), Text(stmt, 1), sqlite3_column_double(stmt, 2)});
  }
  if (rc != SQLITE_DONE) *error = sqlite3_errmsg(db);
  return rc == SQLITE_DONE;
}

int Run(const Flags& flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(flags.db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Fail(flags.db, message);
  }
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(db, sqlite3_close);
  sqlite3_exec(db, "PRAGMA cache_size = -65536", nullptr, nullptr, nullptr);  // 64 MiB

  std::string error;
  sqlite3_stmt* plan =
      Prepare(db, absl::StrCat("EXPLAIN QUERY PLAN ", kQuery).c_str(), flags.year, &error);
  if (plan == nullptr) return Fail("plan", error);
  std::string plan_text;
  while (sqlite3_step(plan) == SQLITE_ROW) absl::StrAppend(&plan_text, Text(plan, 3), "; ");
  sqlite3_finalize(plan);
  if (!absl::StrContains(plan_text, "COVERING INDEX")) {
    return Fail("plan", absl::StrCat("the query does not use a covering index: ", plan_text));
  }

  sqlite3_stmt* stmt = Prepare(db, kQuery, flags.year, &error);
  if (stmt == nullptr) return Fail("prepare", error);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> finalizer(stmt, sqlite3_finalize);
  std::vector<GroupedSum> answer;
  if (!RunOnce(db, stmt, &answer, &error)) return Fail("query", error);  // warm-up
  std::vector<double> ms;
  double cpu = 0;
  for (int i = 0; i < flags.runs; ++i) {
    const double t0 = WallSeconds(), c0 = ThreadCpuSeconds();
    if (!RunOnce(db, stmt, &answer, &error)) return Fail("query", error);
    cpu += ThreadCpuSeconds() - c0;
    ms.push_back((WallSeconds() - t0) * 1e3);
  }
  const LatencySummary wall = Summarize(std::move(ms));

  std::string check = "not checked";
  if (!flags.expect.empty()) {
    std::ifstream in(flags.expect);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return Fail(flags.expect, "cannot read");
    absl::StatusOr<std::vector<GroupedSum>> expected = ParseCsv(text.str());
    if (!expected.ok()) return Fail(flags.expect, expected.status().message());
    absl::Status same = CompareAnswers(*expected, answer, 1e-9);
    if (!same.ok()) return Fail("SQLite's answer differs from cairnd's", same.message());
    check = absl::StrCat("equal to cairnd's (", answer.size(), " groups, relative 1e-9)");
  }

  std::printf("SQLite %s, covering index; plan: %s\n", sqlite3_libversion(), plan_text.c_str());
  std::printf(
      "  year: p50 %.1f ms, p99 %.1f ms, min %.1f ms, CPU %.1f ms per query (%zu runs);"
      " answer %s\n",
      wall.p50, wall.p99, wall.min, cpu * 1e3 / flags.runs, wall.runs, check.c_str());
  std::printf("RESULT p50_ms=%.4f p99_ms=%.4f min_ms=%.4f cpu_ms=%.4f rows=%zu\n", wall.p50,
              wall.p99, wall.min, cpu * 1e3 / flags.runs, answer.size());
  return 0;
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  cairn::Flags flags;
  CLI::App app{"sqlite_bench: issue 2's year-long query in SQLite with a covering index"};
  app.add_option("--db", flags.db, "SQLite database loaded by load_sqlite.sql")->required();
  app.add_option("--year", flags.year, "the calendar year queried")->capture_default_str();
  app.add_option("--runs", flags.runs, "timed runs")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--expect", flags.expect, "cairnd's answer (query_bench --answer-out)");
  CLI11_PARSE(app, argc, argv);
  return cairn::Run(flags);
}
