// cairnctl commands for the data steward: policy (apply, list, show, rm, history, check),
// audit (tail, show, export, verify) and budget.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "protocol/convert.h"
#include "toml++/toml.h"
#include "tools/cairnctl/commands.h"
#include "tools/cairnctl/query_flags.h"

namespace cairn {
namespace {

struct StewardFlags {
  std::string policy_file, grant, partner, audit_key, out;
  QueryFlags check_query;
  uint32_t count = 20;
  uint64_t from_seq = 1;
  bool json = false;
};

std::string Text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

std::string Epsilon(int64_t micros) {
  std::string s = absl::StrFormat("%.6f", micros / 1e6);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

void PrintAuditRow(const nlohmann::json& e) {
  std::string who = e.value("partner", "");
  if (who.empty()) who = "(owner)";
  std::string time = e.value("time", "").substr(0, 19) + "Z";
  std::cout << absl::StrFormat("%6d  %-20s %-14s %-8s %-18s %-8s %s\n", e.value("seq", 0), time,
                               who, e.value("decision", ""),
                               e.value("grant", "").empty() ? "-" : e.value("grant", ""),
                               Epsilon(e.value("epsilon_micros", 0)), e.value("reason", ""));
}

int PolicyApply(AdminClient& c, const StewardFlags& f) {
  std::ifstream in(f.policy_file, std::ios::binary);
  if (!in) {
    return Fail("policy apply", absl::NotFoundError(absl::StrCat("cannot read ", f.policy_file)));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::Status s = c.Guard([&]() -> absl::Status {
    auto request = c.admin().applyPolicyRequest();
    request.setText(text.str());
    request.setFileName(f.policy_file);
    request.setAppliedBy(WhoAmI());
    auto response = request.send().wait(c.wait_scope());
    std::cout << "applied " << f.policy_file << " as policy version " << response.getVersion()
              << "\n";
    for (auto change : response.getChanges()) std::cout << "  " << Text(change) << "\n";
    for (auto warning : response.getWarnings()) {
      std::cerr << "warning: " << Text(warning) << "\n";
    }
    return absl::OkStatus();
  });
  return s.ok() ? 0 : Fail("policy apply", s);
}

}  // namespace

void AddStewardCommands(CLI::App& app, Globals& g) {
  static StewardFlags f;
  // Runs `body` with a client; prints the error of a failed call as "cairnctl NAME: ...".
  auto with = [&g](const char* name, std::function<absl::Status(AdminClient&)> body) {
    return [&g, name, body] {
      g.exit_code = WithClient(g.data_dir, name, [&](AdminClient& c) {
        absl::Status s = c.Guard([&] { return body(c); });
        return s.ok() ? 0 : Fail(name, s);
      });
    };
  };

  CLI::App* policy = app.add_subcommand("policy", "what partners may learn: grants and deny rules");
  policy->require_subcommand(1);
  CLI::App* apply = policy->add_subcommand(
      "apply", "validate a policy file and apply it atomically as a new version");
  apply->add_option("file", f.policy_file, "policy file (TOML)")->required();
  apply->callback([&g] {
    g.exit_code =
        WithClient(g.data_dir, "policy apply", [](AdminClient& c) { return PolicyApply(c, f); });
  });

  policy->add_subcommand("list", "the grants in force")
      ->callback(with("policy list", [](AdminClient& c) -> absl::Status {
        auto r = c.admin().policyRequest().send().wait(c.wait_scope());
        auto v = r.getVersion();
        if (v.getVersion() == 0) {
          std::cout << "no policy applied: every partner query is decided by the partner's "
                       "metric allow-list (cairnctl policy apply FILE)\n";
          return absl::OkStatus();
        }
        std::cout << "policy version " << v.getVersion() << ", applied "
                  << FormatTimestamp(v.getAppliedAt()) << " by " << Text(v.getAppliedBy())
                  << " from " << Text(v.getFileName()) << "\n\n";
        std::cout << absl::StrFormat("%-24s %-24s %-10s %s\n", "GRANT", "FOR", "RELEASE",
                                     "PURPOSE");
        for (auto line : r.getGrants()) {
          std::vector<std::string> parts = absl::StrSplit(Text(line), '\t');
          parts.resize(4);
          std::cout << absl::StrFormat("%-24s %-24s %-10s %s\n", parts[0], parts[1], parts[2],
                                       parts[3]);
        }
        return absl::OkStatus();
      }));

  CLI::App* show = policy->add_subcommand("show", "one grant as it is in force");
  show->add_option("grant", f.grant, "grant name")->required();
  show->callback(with("policy show", [](AdminClient& c) -> absl::Status {
    auto r = c.admin().policyRequest().send().wait(c.wait_scope());
    std::string text = Text(r.getText());
    toml::table root;
    try {
      root = toml::parse(text);
    } catch (const toml::parse_error& e) {
      return absl::InternalError(
          absl::StrCat("the policy in force does not parse: ", std::string(e.description())));
    }
    if (const toml::array* grants = root["grant"].as_array()) {
      for (const toml::node& node : *grants) {
        const toml::table* t = node.as_table();
        if (t && (*t)["name"].value_or(std::string()) == f.grant) {
          std::cout << "# grant '" << f.grant << "' in policy version "
                    << r.getVersion().getVersion() << "\n[[grant]]\n"
                    << *t << "\n";
          return absl::OkStatus();
        }
      }
    }
    return absl::NotFoundError(
        absl::StrCat("no grant named '", f.grant, "' in the policy in force"));
  }));

  CLI::App* rm = policy->add_subcommand("rm", "remove one grant (applied as a new version)");
  rm->add_option("grant", f.grant, "grant name")->required();
  rm->callback(with("policy rm", [](AdminClient& c) -> absl::Status {
    auto request = c.admin().removeGrantRequest();
    request.setName(f.grant);
    request.setAppliedBy(WhoAmI());
    auto r = request.send().wait(c.wait_scope());
    std::cout << "removed grant '" << f.grant << "': policy version " << r.getVersion() << "\n";
    return absl::OkStatus();
  }));

  policy->add_subcommand("history", "every policy version and what it changed")
      ->callback(with("policy history", [](AdminClient& c) -> absl::Status {
        auto r = c.admin().policyHistoryRequest().send().wait(c.wait_scope());
        if (r.getVersions().size() == 0) std::cout << "no policy was ever applied\n";
        for (auto v : r.getVersions()) {
          std::vector<std::string> changes;
          for (auto ch : v.getChanges()) changes.push_back(Text(ch));
          std::cout << absl::StrFormat(
              "v%-4d %s  %-20s %s\n      sha256 %s  %s\n", v.getVersion(),
              FormatTimestamp(v.getAppliedAt()), Text(v.getAppliedBy()), Text(v.getFileName()),
              Text(v.getSha256()).substr(0, 16),
              changes.empty() ? "(no grant changes)" : absl::StrJoin(changes, " "));
        }
        return absl::OkStatus();
      }));

  CLI::App* check = policy->add_subcommand(
      "check", "what would happen to a partner's query, and why (runs nothing, spends nothing)");
  check->add_option("-p,--partner", f.partner, "the partner asking")->required();
  f.check_query.Register(check);
  check->callback([&g] {
    absl::StatusOr<Query> q = f.check_query.Build();
    if (!q.ok()) {
      g.exit_code = Fail("policy check", q.status());
      return;
    }
    g.exit_code = WithClient(g.data_dir, "policy check", [&q](AdminClient& c) {
      bool allowed = false;
      absl::Status s = c.Guard([&]() -> absl::Status {
        auto request = c.admin().checkPolicyRequest();
        request.setPartner(f.partner);
        ToProto(*q, request.initQuery());
        auto r = request.send().wait(c.wait_scope());
        std::cout << "query: " << DescribeQuery(*q) << "\n" << Text(r.getExplanation());
        allowed = r.getAllowed();
        return absl::OkStatus();
      });
      if (!s.ok()) return Fail("policy check", s);
      return allowed ? 0 : 3;  // 3: denied (so scripts can tell)
    });
  });

  CLI::App* audit = app.add_subcommand("audit", "the tamper-evident audit trail");
  audit->require_subcommand(1);
  CLI::App* tail = audit->add_subcommand("tail", "the latest entries");
  tail->add_option("-n,--count", f.count, "how many")->capture_default_str();
  tail->add_flag("--json", f.json, "JSON lines instead of a table");
  tail->callback(with("audit tail", [](AdminClient& c) -> absl::Status {
    auto request = c.admin().auditTailRequest();
    request.setCount(f.count);
    auto r = request.send().wait(c.wait_scope());
    if (!f.json) {
      std::cout << absl::StrFormat("%6s  %-20s %-14s %-8s %-18s %-8s %s\n", "SEQ", "TIME",
                                   "PARTNER", "DECISION", "GRANT", "EPSILON", "REASON");
    }
    for (auto line : r.getEntries()) {
      if (f.json) {
        std::cout << Text(line) << "\n";
      } else {
        PrintAuditRow(nlohmann::json::parse(Text(line)));
      }
    }
    return absl::OkStatus();
  }));
  CLI::App* show_entry = audit->add_subcommand("show", "one entry, by sequence number or hash");
  show_entry->add_option("entry", f.audit_key, "sequence number, or a receipt hash (hex)")
      ->required();
  show_entry->callback(with("audit show", [](AdminClient& c) -> absl::Status {
    auto request = c.admin().auditShowRequest();
    uint64_t seq = 0;
    if (f.audit_key.size() < 20 && absl::SimpleAtoi(f.audit_key, &seq)) {
      request.setSeq(seq);
    } else {
      request.setHash(f.audit_key);
    }
    auto r = request.send().wait(c.wait_scope());
    std::cout << nlohmann::json::parse(Text(r.getEntry())).dump(2) << "\n";
    return absl::OkStatus();
  }));
  CLI::App* export_cmd = audit->add_subcommand("export", "every entry as JSON Lines");
  export_cmd->add_option("--from", f.from_seq, "first sequence number")->capture_default_str();
  export_cmd->add_option("-o,--out", f.out, "file to write (default: standard output)");
  export_cmd->callback(with("audit export", [](AdminClient& c) -> absl::Status {
    std::ofstream file;
    if (!f.out.empty()) {
      file.open(f.out, std::ios::binary | std::ios::trunc);
      if (!file) return absl::InternalError(absl::StrCat("cannot write ", f.out));
    }
    std::ostream& out = f.out.empty() ? std::cout : file;
    uint64_t from = f.from_seq, n = 0;
    while (from != 0) {
      auto request = c.admin().auditExportRequest();
      request.setFromSeq(from);
      request.setMaxEntries(5000);
      auto r = request.send().wait(c.wait_scope());
      for (auto line : r.getEntries()) {
        out << Text(line) << "\n";
        ++n;
      }
      from = r.getNextSeq();
    }
    if (!out.flush()) return absl::InternalError("write failed");
    if (!f.out.empty()) std::cerr << "exported " << n << " entries to " << f.out << "\n";
    return absl::OkStatus();
  }));
  audit->add_subcommand("verify", "check the hash chain and the signed checkpoints for any change")
      ->callback([&g] {
        g.exit_code = WithClient(g.data_dir, "audit verify", [](AdminClient& c) {
          bool ok = false;
          absl::Status s = c.Guard([&]() -> absl::Status {
            auto r = c.admin().auditVerifyRequest().send().wait(c.wait_scope());
            ok = r.getOk();
            (ok ? std::cout : std::cerr) << Text(r.getReport()) << "\n";
            return absl::OkStatus();
          });
          if (!s.ok()) return Fail("audit verify", s);
          return ok ? 0 : 1;
        });
      });

  CLI::App* budget = app.add_subcommand("budget", "privacy budgets: spent, left, and renewal");
  budget->add_option("-p,--partner", f.partner, "only this partner");
  budget->callback(with("budget", [](AdminClient& c) -> absl::Status {
    auto request = c.admin().budgetsRequest();
    request.setPartner(f.partner);
    auto r = request.send().wait(c.wait_scope());
    if (r.getBudgets().size() == 0) {
      std::cout << "no grant with a privacy budget applies"
                << (f.partner.empty() ? "" : " to " + f.partner) << "\n";
      return absl::OkStatus();
    }
    std::cout << absl::StrFormat("%-16s %-22s %10s %10s %10s  %s\n", "PARTNER", "GRANT", "SPENT",
                                 "BUDGET", "LEFT", "RENEWS");
    for (auto b : r.getBudgets()) {
      std::cout << absl::StrFormat(
          "%-16s %-22s %10s %10s %10s  %s\n", Text(b.getPartner()), Text(b.getGrant()),
          Epsilon(b.getSpentMicros()), Epsilon(b.getBudgetMicros()),
          Epsilon(std::max<int64_t>(0, b.getBudgetMicros() - b.getSpentMicros())),
          FormatTimestamp(b.getRenewsAt()));
    }
    return absl::OkStatus();
  }));
}

}  // namespace cairn
