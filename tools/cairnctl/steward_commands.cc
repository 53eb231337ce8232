// cairnctl commands for the data steward: policy (apply, list, show, rm, history, check),
// audit (tail, show, export, verify) and budget. Each is a function of the client and its
// flags that renders what the daemon returned (render.h).
#include <fstream>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/hash.h"
#include "tools/cairnctl/audit_json.h"
#include "tools/cairnctl/commands.h"
#include "tools/cairnctl/policy_render.h"
#include "tools/cairnctl/query_flags.h"

namespace cairn {
namespace {

struct StewardFlags {
  std::string policy_file, grant, partner, audit_key, out;
  QueryFlags check_query;
  uint32_t count = 20;
  uint64_t from_seq = 1;
  std::string format = "table";
};

OutputFormat FormatOf(const StewardFlags& f) { return *ParseOutputFormat(f.format); }

void PrintChanges(const PolicyChangesView& changes) {
  for (const std::string& line : ChangeLines(changes)) std::cout << "  " << line << "\n";
}

int PolicyApply(AdminClient& c, const StewardFlags& f) {
  absl::StatusOr<std::string> text = ReadFile(f.policy_file);
  if (!text.ok()) return Fail("policy apply", text.status());
  absl::StatusOr<PolicyAppliedView> applied = c.ApplyPolicy(*text, f.policy_file, WhoAmI());
  if (!applied.ok()) return Fail("policy apply", applied.status());
  std::cout << "applied " << f.policy_file << " as policy version " << applied->version << "\n";
  PrintChanges(applied->changes);
  for (const std::string& w : applied->warnings) std::cerr << "warning: " << w << "\n";
  return 0;
}

int PolicyList(AdminClient& c, const StewardFlags& f) {
  absl::StatusOr<PolicyView> policy = c.Policy();
  if (!policy.ok()) return Fail("policy list", policy.status());
  if (FormatOf(f) != OutputFormat::kTable) {
    std::vector<Record> grants;
    for (const Grant& g : policy->grants) grants.push_back(GrantRecord(g));
    std::cout << TableOf(grants).Render(FormatOf(f));
    return 0;
  }
  const PolicyVersionView& v = policy->version;
  if (v.version == 0) {
    std::cout << "no policy applied: every partner query is decided by the partner's metric "
                 "allow-list (cairnctl policy apply FILE)\n";
    return 0;
  }
  std::cout << "policy version " << v.version << ", applied " << FormatTimestamp(v.applied_at)
            << " by " << v.applied_by << " from " << v.file_name << "\n\n";
  Table table({"grant", "for", "release", "purpose"});
  for (const Grant& g : policy->grants) {
    table.Add({g.name, g.partner.empty() ? "group " + g.group : "partner " + g.partner,
               ReleaseName(g.release), g.purpose});
  }
  std::cout << table.Render(OutputFormat::kTable);
  return 0;
}

int PolicyShow(AdminClient& c, const StewardFlags& f) {
  absl::StatusOr<PolicyView> policy = c.Policy();
  if (!policy.ok()) return Fail("policy show", policy.status());
  for (const Grant& g : policy->grants) {
    if (g.name == f.grant) {
      std::cout << GrantRecord(g).Render(FormatOf(f));
      return 0;
    }
  }
  return Fail("policy show", absl::NotFoundError(absl::StrCat("no grant named '", f.grant,
                                                              "' in the policy in force")));
}

int PolicyRemove(AdminClient& c, const StewardFlags& f) {
  absl::StatusOr<PolicyAppliedView> removed = c.RemoveGrant(f.grant, WhoAmI());
  if (!removed.ok()) return Fail("policy rm", removed.status());
  std::cout << "removed grant '" << f.grant << "': policy version " << removed->version << "\n";
  PrintChanges(removed->changes);
  return 0;
}

int PolicyHistory(AdminClient& c, const StewardFlags& f) {
  absl::StatusOr<std::vector<PolicyVersionView>> history = c.PolicyHistory();
  if (!history.ok()) return Fail("policy history", history.status());
  Table table({"version", "applied", "by", "file", "sha256", "changes"});
  table.SetEmptyNote("no policy was ever applied");
  for (const PolicyVersionView& v : *history) {
    const std::string sha = HexEncode(v.sha256);
    table.Add({v.version, FormatTimestamp(v.applied_at), v.applied_by, v.file_name,
               Value(sha).Shown(sha.substr(0, 16)), ChangesValue(v.changes)});
  }
  std::cout << table.Render(FormatOf(f));
  return 0;
}

// Exit code 0 allowed, 3 denied (so that scripts can tell), 1 failed.
int PolicyCheck(AdminClient& c, const StewardFlags& f, const Query& q) {
  absl::StatusOr<PolicyCheckView> check = c.CheckPolicy(f.partner, q);
  if (!check.ok()) return Fail("policy check", check.status());
  if (FormatOf(f) == OutputFormat::kTable) {
    std::cout << "query: " << DescribeQuery(q) << "\n";
    for (const std::string& line : check->lines) std::cout << line << "\n";
    std::cout << "=> " << (check->allowed ? "allowed" : "denied")
              << (check->reason.empty() ? "" : ": " + check->reason) << "\n";
    if (!check->release.empty()) std::cout << "   " << check->release << "\n";
  } else {
    Record r;
    r.Add("query", DescribeQuery(q))
        .Add("allowed", check->allowed)
        .Add("reason", check->reason)
        .Add("release", check->release)
        .Add("lines", check->lines);
    std::cout << r.Render(FormatOf(f));
  }
  return check->allowed ? 0 : 3;
}

int AuditTail(AdminClient& c, const StewardFlags& f) {
  absl::StatusOr<std::vector<AuditEntryView>> entries = c.AuditTail(f.count);
  if (!entries.ok()) return Fail("audit tail", entries.status());
  if (FormatOf(f) != OutputFormat::kTable) {
    std::vector<Record> records;
    for (const AuditEntryView& e : *entries) records.push_back(AuditEntryRecord(e));
    std::cout << TableOf(records).Render(FormatOf(f));
    return 0;
  }
  Table table({"seq", "time", "partner", "kind", "decision", "grant", "epsilon", "reason"});
  table.SetEmptyNote("the audit log is empty");
  for (const AuditEntryView& e : *entries) {
    table.Add({e.seq, FormatTimestamp(e.time / kMicrosPerSecond * kMicrosPerSecond),
               e.partner.empty() ? "(owner)" : e.partner, e.kind_text,
               AuditDecisionText(e.decision), e.grant.empty() ? Value() : Value(e.grant),
               Value(e.epsilon_micros).Shown(FormatEpsilon(e.epsilon_micros)), e.reason});
  }
  std::cout << table.Render(OutputFormat::kTable);
  return 0;
}

int AuditShow(AdminClient& c, const StewardFlags& f) {
  uint64_t seq = 0;
  absl::StatusOr<AuditEntryView> entry = absl::UnknownError("");
  if (f.audit_key.size() < 20 && absl::SimpleAtoi(f.audit_key, &seq)) {
    entry = c.AuditEntryAt(seq);
  } else {
    std::string hash;
    if (!HexDecode(f.audit_key, &hash)) {
      return Fail("audit show",
                  absl::InvalidArgumentError("the hash must be hex, e.g. from a receipt"));
    }
    entry = c.AuditEntryWithHash(hash);
  }
  if (!entry.ok()) return Fail("audit show", entry.status());
  std::cout << AuditEntryRecord(*entry).Render(FormatOf(f));
  return 0;
}

int AuditExport(AdminClient& c, const StewardFlags& f) {
  std::ofstream file;
  if (!f.out.empty()) {
    file.open(f.out, std::ios::binary | std::ios::trunc);
    if (!file)
      return Fail("audit export", absl::InternalError(absl::StrCat("cannot write ", f.out)));
  }
  std::ostream& out = f.out.empty() ? std::cout : file;
  uint64_t from = f.from_seq, n = 0;
  while (from != 0) {
    absl::StatusOr<AuditPageView> page = c.AuditExport(from, 5000);
    if (!page.ok()) return Fail("audit export", page.status());
    for (const AuditEntryView& e : page->entries) out << AuditEntryToJson(e) << "\n";
    n += page->entries.size();
    from = page->next_seq;
  }
  if (!out.flush()) return Fail("audit export", absl::InternalError("write failed"));
  if (!f.out.empty()) std::cerr << "exported " << n << " entries to " << f.out << "\n";
  return 0;
}

// Exit code 0 when the chain and every checkpoint verified, 1 otherwise.
int AuditVerify(AdminClient& c, const StewardFlags& f) {
  absl::StatusOr<AuditVerifyView> r = c.AuditVerify();
  if (!r.ok()) return Fail("audit verify", r.status());
  if (FormatOf(f) != OutputFormat::kTable) {
    Record record;
    record.Add("ok", r->ok)
        .Add("entries", r->entries)
        .Add("checkpoints", r->checkpoints)
        .Add("last_seq", r->last_seq)
        .Add("head_hash", HexEncode(r->head_hash))
        .Add("last_checkpoint_seq", r->last_checkpoint_seq)
        .Add("first_bad_seq", r->first_bad_seq)
        .Add("problem", r->problem);
    std::cout << record.Render(FormatOf(f));
  } else if (r->ok) {
    std::cout << "ok: " << r->entries << " entries chained and intact, " << r->checkpoints
              << " signed checkpoints verified (last at entry " << r->last_checkpoint_seq
              << ")\nhead: entry " << r->last_seq << " " << HexEncode(r->head_hash) << "\n";
  } else {
    std::cerr << "FAILED at entry " << r->first_bad_seq << ": " << r->problem << "\n(" << r->entries
              << " entries and " << r->checkpoints << " checkpoints verified before it)\n";
  }
  return r->ok ? 0 : 1;
}

int Budget(AdminClient& c, const StewardFlags& f) {
  absl::StatusOr<std::vector<BudgetInfoView>> budgets = c.Budgets(f.partner);
  if (!budgets.ok()) return Fail("budget", budgets.status());
  Table table({"partner", "grant", "spent", "budget", "left", "renews"});
  table.SetEmptyNote(absl::StrCat("no grant with a privacy budget applies",
                                  f.partner.empty() ? "" : " to " + f.partner));
  auto epsilon = [](int64_t micros) {
    return Value(static_cast<double>(micros) / kMicrosPerEpsilon).Shown(FormatEpsilon(micros));
  };
  for (const BudgetInfoView& b : *budgets) {
    table.Add({b.partner, b.grant, epsilon(b.spent_micros), epsilon(b.budget_micros),
               epsilon(std::max<int64_t>(0, b.budget_micros - b.spent_micros)),
               FormatTimestamp(b.renews_at)});
  }
  std::cout << table.Render(FormatOf(f));
  return 0;
}

}  // namespace

void AddStewardCommands(CLI::App& app, Globals& g) {
  static StewardFlags f;
  // Runs `command` with a client as the callback of `cmd`.
  auto run = [&g](CLI::App* cmd, const char* name,
                  int (*command)(AdminClient&, const StewardFlags&)) {
    cmd->callback([&g, name, command] {
      g.exit_code =
          WithClient(g.data_dir, name, [command](AdminClient& c) { return command(c, f); });
    });
  };

  CLI::App* policy = app.add_subcommand("policy", "what partners may learn: grants and deny rules");
  policy->require_subcommand(1);
  CLI::App* apply = policy->add_subcommand(
      "apply", "validate a policy file and apply it atomically as a new version");
  apply->add_option("file", f.policy_file, "policy file (TOML)")->required();
  run(apply, "policy apply", PolicyApply);
  CLI::App* list = policy->add_subcommand("list", "the grants in force");
  AddFormatOption(list, f.format);
  run(list, "policy list", PolicyList);
  CLI::App* show = policy->add_subcommand("show", "one grant as it is in force");
  show->add_option("grant", f.grant, "grant name")->required();
  AddFormatOption(show, f.format);
  run(show, "policy show", PolicyShow);
  CLI::App* rm = policy->add_subcommand("rm", "remove one grant (applied as a new version)");
  rm->add_option("grant", f.grant, "grant name")->required();
  run(rm, "policy rm", PolicyRemove);
  CLI::App* history = policy->add_subcommand("history", "every policy version and what it changed");
  AddFormatOption(history, f.format);
  run(history, "policy history", PolicyHistory);
  CLI::App* check = policy->add_subcommand(
      "check", "what would happen to a partner's query, and why (runs nothing, spends nothing)");
  check->add_option("-p,--partner", f.partner, "the partner asking")->required();
  f.check_query.Register(check);
  AddFormatOption(check, f.format);
  check->callback([&g] {
    absl::StatusOr<Query> q = f.check_query.Build();
    if (!q.ok()) {
      g.exit_code = Fail("policy check", q.status());
      return;
    }
    g.exit_code = WithClient(g.data_dir, "policy check",
                             [&q](AdminClient& c) { return PolicyCheck(c, f, *q); });
  });

  CLI::App* audit = app.add_subcommand("audit", "the tamper-evident audit trail");
  audit->require_subcommand(1);
  CLI::App* tail = audit->add_subcommand("tail", "the latest entries");
  tail->add_option("-n,--count", f.count, "how many")->capture_default_str();
  AddFormatOption(tail, f.format);
  tail->add_flag_callback(
      "--json", [] { f.format = "json"; }, "the same as --format json");
  run(tail, "audit tail", AuditTail);
  CLI::App* show_entry = audit->add_subcommand("show", "one entry, by sequence number or hash");
  show_entry->add_option("entry", f.audit_key, "sequence number, or a receipt hash (hex)")
      ->required();
  AddFormatOption(show_entry, f.format);
  run(show_entry, "audit show", AuditShow);
  CLI::App* export_cmd = audit->add_subcommand("export", "every entry as JSON Lines");
  export_cmd->add_option("--from", f.from_seq, "first sequence number")->capture_default_str();
  export_cmd->add_option("-o,--out", f.out, "file to write (default: standard output)");
  run(export_cmd, "audit export", AuditExport);
  CLI::App* verify = audit->add_subcommand(
      "verify", "check the hash chain and the signed checkpoints for any change");
  AddFormatOption(verify, f.format);
  run(verify, "audit verify", AuditVerify);

  CLI::App* budget = app.add_subcommand("budget", "privacy budgets: spent, left, and renewal");
  budget->add_option("-p,--partner", f.partner, "only this partner");
  AddFormatOption(budget, f.format);
  run(budget, "budget", Budget);
}

}  // namespace cairn
