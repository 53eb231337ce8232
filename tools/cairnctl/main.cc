// cairnctl: the admin's command line for one Cairn daemon (init, import, query, status, ...).
// Every command but `init` talks to the running cairnd over the data dir's Unix socket.
#include <signal.h>

#include <functional>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "base/version.h"
#include "daemon/data_dir.h"
#include "tools/cairnctl/admin_client.h"
#include "tools/cairnctl/import_command.h"
#include "tools/cairnctl/progress.h"
#include "tools/cairnctl/query_flags.h"
#include "tools/cairnctl/result_format.h"

namespace cairn {
namespace {

int Fail(absl::string_view command, const absl::Status& status) {
  std::cerr << "cairnctl " << command << ": " << status.message() << "\n";
  return 1;
}

std::string Uptime(uint64_t s) {
  if (s >= 86400) return absl::StrFormat("%dd %dh", s / 86400, s % 86400 / 3600);
  if (s >= 3600) return absl::StrFormat("%dh %dm", s / 3600, s % 3600 / 60);
  if (s >= 60) return absl::StrFormat("%dm %ds", s / 60, s % 60);
  return absl::StrFormat("%ds", s);
}

// Runs `fn` with a connected client, or reports why there is none.
int WithClient(const std::string& data_dir, absl::string_view command,
               const std::function<int(AdminClient&)>& fn) {
  absl::StatusOr<std::unique_ptr<AdminClient>> client = AdminClient::Connect(data_dir);
  if (!client.ok()) return Fail(command, client.status());
  return fn(**client);
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  using namespace cairn;
  signal(SIGPIPE, SIG_IGN);
  CLI::App app{"cairnctl: administer a Cairn daemon (cairnd) and its data."};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("cairnctl ") + kCairnVersion);
  std::string data_dir;
  app.add_option("-d,--data-dir", data_dir, "the daemon's data dir")
      ->envname("CAIRN_DATA_DIR")
      ->default_val(".");
  int exit_code = 0;

  // init
  std::string name;
  CLI::App* init = app.add_subcommand("init", "create a data dir with a commented config");
  init->add_option("-n,--name", name, "this company's name, as partners will see it")->required();
  init->callback([&] {
    DataDir dir(data_dir);
    absl::Status s = dir.Initialize(name);
    if (!s.ok()) {
      exit_code = Fail("init", s);
      return;
    }
    std::cout << "initialised " << dir.root() << " for '" << name << "'\n"
              << "  config: " << dir.ConfigPath() << "\n"
              << "  start:  cairnd --data-dir " << dir.root() << "\n";
  });

  // status
  CLI::App* status = app.add_subcommand("status", "records, series, disk use and uptime");
  status->callback([&] {
    exit_code = WithClient(data_dir, "status", [](AdminClient& c) {
      absl::StatusOr<DaemonStatusInfo> s = c.Status();
      if (!s.ok()) return Fail("status", s.status());
      std::cout << absl::StrFormat(
          "participant  %s\ncairnd       %s (pid %d), up %s\ndata dir     %s\nrecords      "
          "%d\nseries       %d\ndisk         %s\n",
          s->name, s->version, s->pid, Uptime(s->uptime_seconds), s->data_dir, s->records,
          s->series, HumanBytes(s->disk_bytes));
      return 0;
    });
  });

  // import
  ImportOptions import_options;
  std::string import_format = "auto";
  bool no_progress = false;
  CLI::App* import = app.add_subcommand(
      "import", "import a CSV or JSON Lines file; all-or-nothing unless --skip-bad");
  import->add_option("file", import_options.path, "file to import, or - for standard input")
      ->required();
  import->add_option("--format", import_format, "auto, csv or jsonl")
      ->check(CLI::IsMember({"auto", "csv", "jsonl"}));
  import->add_flag("--skip-bad", import_options.skip_bad,
                   "import the good rows and report every bad one");
  import->add_option("--batch-size", import_options.batch_size, "records per atomic, durable batch")
      ->check(CLI::Range(1, 1 << 20));
  import->add_flag("--no-progress", no_progress, "do not draw progress on the terminal");
  import->callback([&] {
    import_options.format = import_format == "csv"     ? InputFormat::kCsv
                            : import_format == "jsonl" ? InputFormat::kJsonLines
                                                       : InputFormat::kAuto;
  import_options.progress = !no_progress;
  exit_code =
      WithClient(data_dir, "import", [&](AdminClient& c) { return RunImport(c, import_options); });
});

// query
QueryFlags query_flags;
std::string query_format = "table";
CLI::App* query = app.add_subcommand("query", "run an aggregate query on the local store");
query_flags.Register(query);
query->add_option("-f,--format", query_format, "table, json or csv")
    ->check(CLI::IsMember({"table", "json", "csv"}));
query->callback([&] {
  absl::StatusOr<Query> q = query_flags.Build();
  if (!q.ok()) {
    exit_code = Fail("query", q.status());
    return;
  }
  exit_code = WithClient(data_dir, "query", [&](AdminClient& c) {
    absl::StatusOr<QueryResult> result = c.RunQuery(*q);
    if (!result.ok()) return Fail("query", result.status());
    std::string unit;
    if (absl::StatusOr<MetricRegistry> metrics = c.Metrics(); metrics.ok()) {
      if (const Metric* m = metrics->Find(q->metric)) {
        unit = q->aggregate == Aggregate::kCount ? "" : m->unit;
        if (q->aggregate == Aggregate::kRatio) {
          const Metric* d = metrics->Find(q->ratio_denominator);
          unit = d ? absl::StrCat(m->unit, "/", d->unit) : "";
        }
      }
    }
    std::cout << FormatResult(*q, *result, *ParseOutputFormat(query_format), unit);
    return 0;
  });
});

// metric
CLI::App* metric = app.add_subcommand("metric", "list or register metrics");
metric->require_subcommand(1);
CLI::App* metric_list = metric->add_subcommand("list", "metrics and their canonical units");
metric_list->callback([&] {
  exit_code = WithClient(data_dir, "metric list", [](AdminClient& c) {
    absl::StatusOr<MetricRegistry> metrics = c.Metrics();
    if (!metrics.ok()) return Fail("metric list", metrics.status());
    for (const Metric& m : metrics->List()) {
      std::cout << absl::StrFormat("%-16s %-6s %s%s\n", m.name, m.unit, m.description,
                                   m.builtin ? "" : " (custom)");
    }
    return 0;
  });
});
Metric new_metric;
CLI::App* metric_add = metric->add_subcommand("add", "register a custom metric");
metric_add->add_option("name", new_metric.name, "lower-case name, e.g. steam")->required();
metric_add
    ->add_option("-u,--unit", new_metric.unit,
                 "canonical unit (kWh, kg, t, count, m3, ... or a new unit name)")
    ->required();
metric_add->add_option("--description", new_metric.description, "one line for humans");
metric_add->callback([&] {
  exit_code = WithClient(data_dir, "metric add", [&](AdminClient& c) {
    absl::Status s = c.RegisterMetric(new_metric);
    if (!s.ok()) return Fail("metric add", s);
    std::cout << "registered metric " << new_metric.name << " [" << new_metric.unit << "]\n";
    return 0;
  });
});

// fsck
CLI::App* fsck = app.add_subcommand("fsck", "check that every rollup equals its raw records");
fsck->callback([&] {
  exit_code = WithClient(data_dir, "fsck", [](AdminClient& c) {
    absl::Status s = c.CheckConsistency();
    if (!s.ok()) return Fail("fsck", s);
    std::cout << "ok: every rollup matches its raw records\n";
    return 0;
  });
});

CLI11_PARSE(app, argc, argv);
return exit_code;
}
