// cairnctl commands about this participant's own data: init, status, import, query (local or
// asked of a partner with --peer), metric, fsck.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "participant/data_dir.h"
#include "participant/participant_identity.h"
#include "protocol/signed_envelope.h"
#include "tools/cairnctl/commands.h"
#include "tools/cairnctl/import_command.h"
#include "tools/cairnctl/progress.h"
#include "tools/cairnctl/query_flags.h"
#include "tools/cairnctl/result_format.h"

namespace cairn {
namespace {

std::string Uptime(uint64_t s) {
  if (s >= 86400) return absl::StrFormat("%dd %dh", s / 86400, s % 86400 / 3600);
  if (s >= 3600) return absl::StrFormat("%dh %dm", s / 3600, s % 3600 / 60);
  if (s >= 60) return absl::StrFormat("%dm %ds", s / 60, s % 60);
  return absl::StrFormat("%ds", s);
}

// Flag storage: CLI11 binds options to these, so they live as long as the program.
struct DataFlags {
  std::string name, listen;
  int cert_days = 365;
  ImportOptions import_options;
  std::string import_format = "auto";
  bool no_progress = false;
  QueryFlags query_flags;
  std::string query_format = "table";
  std::string peer, out;
  Metric new_metric;
  std::string format = "table";
};

int Status(AdminClient& c, const DataFlags& f) {
  absl::StatusOr<DaemonStatusInfo> s = c.Status();
  if (!s.ok()) return Fail("status", s.status());
  absl::StatusOr<IdentityView> id = c.Identity();
  if (!id.ok()) return Fail("status", id.status());
  Record r;
  r.Add("participant", s->name)
      .Add("version", s->version)
      .Add("pid", s->pid)
      .Add("uptime_seconds", Value(s->uptime_seconds).Shown(Uptime(s->uptime_seconds)))
      .Add("data_dir", s->data_dir)
      .Add("records", s->records)
      .Add("series", s->series)
      .Add("disk_bytes", Value(s->disk_bytes).Shown(HumanBytes(s->disk_bytes)))
      .Add("identity", id->fingerprint)
      .Add("listen", id->listen.empty() ? Value().Shown("off (no partner listener)")
                                        : Value(id->listen).Shown(id->listen + " (mutual TLS)"))
      .Add("partner_queries_refused", s->partner_queries_refused.empty()
                                          ? Value().Shown("no")
                                          : Value(s->partner_queries_refused));
  std::cout << r.Render(*ParseOutputFormat(f.format));
  return 0;
}

int MetricList(AdminClient& c, const DataFlags& f) {
  absl::StatusOr<MetricRegistry> metrics = c.Metrics();
  if (!metrics.ok()) return Fail("metric list", metrics.status());
  Table table({"metric", "unit", "description", "custom"});
  for (const Metric& m : metrics->List()) {
    table.Add({m.name, m.unit, m.description, !m.builtin});
  }
  std::cout << table.Render(*ParseOutputFormat(f.format));
  return 0;
}

int RunPeerQuery(AdminClient& c, const DataFlags& f, const Query& q) {
  absl::StatusOr<PeerAnswerView> answer = c.AskPeer(f.peer, q);
  if (!answer.ok()) return Fail("query", answer.status());
  std::cerr << "answer from " << f.peer << " (\"" << answer->attester_name << "\", "
            << answer->attester_fingerprint << "), signed " << FormatTimestamp(answer->answered_at)
            << "; signature verified\n";
  if (!answer->grant.empty()) {
    std::cerr << "  grant '" << answer->grant << "', "
              << (answer->noise.empty() ? std::string("exact figures") : answer->noise);
    if (answer->suppressed_groups > 0) {
      std::cerr << ", " << answer->suppressed_groups << " small groups withheld";
    }
    std::cerr << "\n";
  }
  std::cout << FormatResult(q, answer->result, *ParseOutputFormat(f.query_format), UnitOf(c, q));
  if (!f.out.empty()) {
    absl::StatusOr<SignedBytes> signed_result = DecodeSignedResult(answer->signed_result);
    if (!signed_result.ok()) return Fail("query", signed_result.status());
    std::ofstream out(f.out, std::ios::binary | std::ios::trunc);
    out << ArmorSignedResult(*signed_result);
    if (!out.flush()) {
      return Fail("query", absl::InternalError(absl::StrCat("cannot write ", f.out)));
    }
    std::cerr << "kept the signed result in " << f.out << " (check it with: cairnctl verify "
              << f.out << ")\n";
  }
  return 0;
}

}  // namespace

std::string UnitOf(AdminClient& client, const Query& q) {
  absl::StatusOr<MetricRegistry> metrics = client.Metrics();
  if (!metrics.ok() || q.aggregate == Aggregate::kCount) return "";
  const Metric* m = metrics->Find(q.metric);
  if (m == nullptr) return "";
  if (q.aggregate != Aggregate::kRatio) return m->unit;
  const Metric* d = metrics->Find(q.ratio_denominator);
  return d ? absl::StrCat(m->unit, "/", d->unit) : "";
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", strerror(errno)));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string WhoAmI() {
  const char* user = getenv("USER");
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(user ? user : "uid " + std::to_string(getuid()), "@", host);
}

std::vector<std::string> SplitList(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    for (absl::string_view part : absl::StrSplit(a, ',', absl::SkipWhitespace())) {
      out.emplace_back(absl::StripAsciiWhitespace(part));
    }
  }
  return out;
}

void AddFormatOption(CLI::App* command, std::string& format) {
  command->add_option("-f,--format", format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
}

int Fail(absl::string_view command, const absl::Status& status) {
  std::cerr << "cairnctl " << command << ": " << status.message() << "\n";
  return 1;
}

int WithClient(const std::string& data_dir, absl::string_view command,
               const std::function<int(AdminClient&)>& fn) {
  absl::StatusOr<std::unique_ptr<AdminClient>> client = AdminClient::Connect(data_dir);
  if (!client.ok()) return Fail(command, client.status());
  return fn(**client);
}

void AddDataCommands(CLI::App& app, Globals& g) {
  static DataFlags f;

  CLI::App* init = app.add_subcommand(
      "init", "create a data dir: commented config, identity key and certificate");
  init->add_option("-n,--name", f.name, "this company's name, as partners will see it")->required();
  init->add_option("--listen", f.listen,
                   "partner listener HOST:PORT (default 127.0.0.1:7443; 0 picks a free port)");
  init->add_option("--cert-days", f.cert_days, "validity of the certificate, in days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  init->callback([&g] {
    DataDir dir(g.data_dir);
    absl::Status s = dir.Initialize(f.name, f.listen);
    if (s.ok()) s = CreateParticipantIdentity(dir, f.name, f.cert_days, /*replace=*/false);
    if (!s.ok()) {
      g.exit_code = Fail("init", s);
      return;
    }
    absl::StatusOr<ParticipantIdentity> id = LoadParticipantIdentity(dir);
    if (!id.ok()) {
      g.exit_code = Fail("init", id.status());
      return;
    }
    std::cout << "initialised " << dir.root() << " for '" << f.name << "'\n"
              << "  identity:    " << id->certificate.fingerprint.ToString() << "\n"
              << "  config:      " << dir.ConfigPath() << "\n"
              << "  certificate: " << dir.CertificatePath() << " (give it to your partners)\n"
              << "  start:       cairnd --data-dir " << dir.root() << "\n";
  });

  CLI::App* status = app.add_subcommand("status", "records, series, disk use and uptime");
  AddFormatOption(status, f.format);
  status->callback([&g] {
    g.exit_code = WithClient(g.data_dir, "status", [](AdminClient& c) { return Status(c, f); });
  });

  CLI::App* import = app.add_subcommand(
      "import", "import a CSV or JSON Lines file; all-or-nothing unless --skip-bad");
  import->add_option("file", f.import_options.path, "file to import, or - for standard input")
      ->required();
  import->add_option("--format", f.import_format, "auto, csv or jsonl")
      ->check(CLI::IsMember({"auto", "csv", "jsonl"}));
  import->add_flag("--skip-bad", f.import_options.skip_bad,
                   "import the good rows and report every bad one");
  import
      ->add_option("--batch-size", f.import_options.batch_size, "records per atomic, durable batch")
      ->check(CLI::Range(1, 1 << 20));
  import->add_flag("--no-progress", f.no_progress, "do not draw progress on the terminal");
  import->callback([&g] {
    f.import_options.format = f.import_format == "csv"     ? InputFormat::kCsv
                              : f.import_format == "jsonl" ? InputFormat::kJsonLines
                                                           : InputFormat::kAuto;
  f.import_options.progress = !f.no_progress;
  g.exit_code = WithClient(g.data_dir, "import",
                           [](AdminClient& c) { return RunImport(c, f.import_options); });
});

CLI::App* query = app.add_subcommand(
    "query", "run an aggregate query on the local store, or ask a partner with --peer");
f.query_flags.Register(query);
AddFormatOption(query, f.query_format);
query->add_option("--peer", f.peer, "ask this registered partner's daemon instead");
query->add_option("-o,--out", f.out, "with --peer: keep the signed result in this file");
query->callback([&g] {
  absl::StatusOr<Query> q = f.query_flags.Build();
  if (!q.ok()) {
    g.exit_code = Fail("query", q.status());
    return;
  }
  if (!f.out.empty() && f.peer.empty()) {
    g.exit_code = Fail("query", absl::InvalidArgumentError(
                                    "--out keeps a partner's signed answer: use it with --peer"));
    return;
  }
  g.exit_code = WithClient(g.data_dir, "query", [&q](AdminClient& c) {
    if (!f.peer.empty()) return RunPeerQuery(c, f, *q);
    absl::StatusOr<QueryResult> result = c.RunQuery(*q);
    if (!result.ok()) return Fail("query", result.status());
    std::cout << FormatResult(*q, *result, *ParseOutputFormat(f.query_format), UnitOf(c, *q));
    return 0;
  });
});

CLI::App* metric = app.add_subcommand("metric", "list or register metrics");
metric->require_subcommand(1);
CLI::App* metric_list = metric->add_subcommand("list", "metrics and their canonical units");
AddFormatOption(metric_list, f.format);
metric_list->callback([&g] {
  g.exit_code =
      WithClient(g.data_dir, "metric list", [](AdminClient& c) { return MetricList(c, f); });
});
CLI::App* metric_add = metric->add_subcommand("add", "register a custom metric");
metric_add->add_option("name", f.new_metric.name, "lower-case name, e.g. steam")->required();
metric_add
    ->add_option("-u,--unit", f.new_metric.unit,
                 "canonical unit (kWh, kg, t, count, m3, ... or a new unit name)")
    ->required();
metric_add->add_option("--description", f.new_metric.description, "one line for humans");
metric_add->callback([&g] {
  g.exit_code = WithClient(g.data_dir, "metric add", [](AdminClient& c) {
    absl::Status s = c.RegisterMetric(f.new_metric);
    if (!s.ok()) return Fail("metric add", s);
    std::cout << "registered metric " << f.new_metric.name << " [" << f.new_metric.unit << "]\n";
    return 0;
  });
});

CLI::App* fsck = app.add_subcommand("fsck", "check that every rollup equals its raw records");
fsck->callback([&g] {
  g.exit_code = WithClient(g.data_dir, "fsck", [](AdminClient& c) {
    absl::Status s = c.CheckConsistency();
    if (!s.ok()) return Fail("fsck", s);
    std::cout << "ok: every rollup matches its raw records\n";
    return 0;
  });
});
}  // namespace cairn

}  // namespace cairn
