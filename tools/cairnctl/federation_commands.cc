// cairnctl commands for federated queries (issue 5; docs/federation.md): consortium (add,
// list), federate, and the federated half of verify.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/hash.h"
#include "federation/release_hash.h"
#include "federation/roster.h"
#include "federation/verify.h"
#include "tools/cairnctl/commands.h"
#include "tools/cairnctl/federated_file.h"
#include "tools/cairnctl/query_flags.h"

namespace cairn {
namespace {

struct FederationFlags {
  std::string roster_file, added_by;
  std::string consortium;
  QueryFlags query;
  std::vector<std::string> group_values;  // "tag=a,b"
  std::vector<std::string> members;       // each may be a comma-separated list
  uint32_t min_contributors = 0;
  std::string out, format = "table", list_format = "table";
};

absl::string_view StandingName(MemberStandingView s) {
  switch (s) {
    case MemberStandingView::THIS_DAEMON:
      return "this daemon";
    case MemberStandingView::PARTNER:
      return "partner";
    case MemberStandingView::REVOKED_PARTNER:
      return "revoked partner";
    case MemberStandingView::NOT_REGISTERED:
      return "not registered";
  }
  return "not registered";
}

absl::string_view CallName(FederationCallView call) {
  switch (call) {
    case FederationCallView::PROPOSE:
      return "propose";
    case FederationCallView::ANNOUNCE:
      return "announce";
    case FederationCallView::VALUES:
      return "values";
  }
  return "propose";
}

Table MembersTable(const ConsortiumInfoView& c) {
  Table table({"member", "fingerprint", "endpoint", "standing"});
  for (const ConsortiumMemberInfo& m : c.members) {
    table.Add({m.name, m.fingerprint, m.endpoint, StandingName(m.standing)});
  }
  return table;
}

// In a table: a line about the consortium, then its members. In JSON and CSV: one row per
// consortium, its members nested.
std::string RenderConsortia(const std::vector<ConsortiumInfoView>& all, OutputFormat format) {
  if (format == OutputFormat::kTable) {
    std::string out;
    for (const ConsortiumInfoView& c : all) {
      absl::StrAppend(&out, "consortium ", c.name, ": ", c.members.size(), " members, roster ",
                      c.file_name, " imported ", FormatTimestamp(c.added_at), " by ", c.added_by,
                      "; ", c.cohort_memory_entries, " answered cohorts remembered\n",
                      MembersTable(c).Render(OutputFormat::kTable));
    }
    return out;
  }
  Table table({"consortium", "roster_file", "added", "added_by", "members", "remembered_cohorts"});
  for (const ConsortiumInfoView& c : all) {
    std::vector<std::string> names;
    for (const ConsortiumMemberInfo& m : c.members) names.push_back(m.name);
    table.Add({c.name, c.file_name, FormatTimestamp(c.added_at), c.added_by,
               Value::Nested(MembersTable(c).ToJson(), absl::StrJoin(names, ";")),
               c.cohort_memory_entries});
  }
  return table.Render(format);
}

int ConsortiumAdd(AdminClient& c, const FederationFlags& f) {
  absl::StatusOr<std::string> text = ReadFile(f.roster_file);
  if (!text.ok()) return Fail("consortium add", text.status());
  absl::StatusOr<ConsortiumAddedView> added =
      c.ConsortiumAdd(*text, f.roster_file, f.added_by.empty() ? WhoAmI() : f.added_by);
  if (!added.ok()) return Fail("consortium add", added.status());
  std::cout << "imported the roster of consortium " << added->consortium.name << " from "
            << f.roster_file << "\n";
  for (const std::string& name : added->registered) {
    std::cout << "  registered member " << name << " as a partner, from the roster's certificate\n";
  }
  for (const std::string& w : added->warnings) std::cout << "  warning: " << w << "\n";
  std::cout << RenderConsortia({added->consortium}, OutputFormat::kTable);
  return 0;
}

int ConsortiumList(AdminClient& c, const FederationFlags& f) {
  absl::StatusOr<std::vector<ConsortiumInfoView>> all = c.ConsortiumList();
  if (!all.ok()) return Fail("consortium list", all.status());
  const OutputFormat format = *ParseOutputFormat(f.list_format);
  if (all->empty() && format == OutputFormat::kTable) {
    std::cout << "this daemon is in no consortium (cairnctl consortium add ROSTER.toml)\n";
    return 0;
  }
  std::cout << RenderConsortia(*all, format);
  return 0;
}

int Federate(AdminClient& c, const FederationFlags& f) {
  absl::StatusOr<Query> query = f.query.Build();
  if (!query.ok()) return Fail("federate", query.status());
  FederateArgs args;
  args.consortium = f.consortium;
  args.query = *query;
  for (const std::string& arg : f.group_values) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
      return Fail("federate", absl::InvalidArgumentError(
                                  absl::StrCat("--group-values '", arg, "': expected tag=a,b,c")));
    }
    args.group_values.emplace_back(arg.substr(0, eq), SplitList({arg.substr(eq + 1)}));
  }
  args.members = SplitList(f.members);
  args.min_contributors = f.min_contributors;
  absl::StatusOr<FederatedAnswerView> answer = c.Federate(args);
  if (!answer.ok()) return Fail("federate", answer.status());
  std::cerr << "round " << HexEncode(answer->round_digest).substr(0, 16) << " of consortium "
            << f.consortium << ": " << answer->final_cohort.size() << " members contributed ("
            << absl::StrJoin(answer->final_cohort, ", ") << ")"
            << (answer->attempts > 1 ? absl::StrCat(", after ", answer->attempts, " attempts") : "")
            << "\n  this daemon audited the round: cairnctl audit show "
            << HexEncode(answer->audit_receipt) << "\n";
  for (const FederatedAnswerView::Issue& i : answer->issues) {
    std::cerr << "  " << i.member << (i.dropped ? " (dropped out at " : " (refused at ")
              << CallName(i.call) << "): " << i.reason << "\n";
  }
  absl::StatusOr<FederatedResult> result = DecodeFederatedResult(answer->result);
  if (!result.ok()) return Fail("federate", result.status());
  absl::StatusOr<Proposal> proposal = OpenProposal(result->proposal);
  if (!proposal.ok()) return Fail("federate", proposal.status());
  std::cout << FormatFederatedRows(proposal->query, result->rows, proposal->min_contributors,
                                   *ParseOutputFormat(f.format), UnitOf(c, proposal->query));
  if (!f.out.empty()) {
    std::ofstream out(f.out, std::ios::binary | std::ios::trunc);
    out << ArmorFederatedResult(*result, answer->roster_text);
    if (!out.flush()) {
      return Fail("federate", absl::InternalError(absl::StrCat("cannot write ", f.out)));
    }
    std::cerr << "kept the federated result in " << f.out << " (check it with: cairnctl verify "
              << f.out << ")\n";
  }
  return 0;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

int VerifyFederated(absl::string_view text, const std::string& file, const std::string& roster_path,
                    const std::string& data_dir, OutputFormat format) {
  auto reject = [&](const absl::Status& s) {
    std::cerr << "REJECTED " << file << ": " << s.message() << "\n";
    return 1;
  };
  absl::StatusOr<KeptFederatedResult> kept = DearmorFederatedResult(text);
  if (!kept.ok()) return reject(kept.status());
  absl::StatusOr<Proposal> proposal = OpenProposal(kept->result.proposal);
  if (!proposal.ok()) return reject(proposal.status());

  // Whose roster: the one named, else this data dir's copy, else the requester's (in the file).
  std::string roster_source;
  absl::StatusOr<ConsortiumRoster> roster = absl::NotFoundError("no roster");
  std::string own_copy = absl::StrCat(data_dir, "/consortia/", proposal->consortium, ".toml");
  if (!roster_path.empty()) {
    roster = LoadRoster(roster_path);
    roster_source = roster_path;
  } else if (Exists(own_copy)) {
    roster = LoadRoster(own_copy);
    roster_source = absl::StrCat(own_copy, " (this daemon's copy)");
  } else if (!kept->roster_text.empty()) {
    roster = ParseRoster("(the roster in the file)", kept->roster_text);
    roster_source =
        "the roster in the file, which the requester chose: check membership with your own "
        "copy (--roster FILE)";
  } else {
    return Fail("verify", absl::NotFoundError(
                              absl::StrCat("no roster of consortium ", proposal->consortium,
                                           " to check the result against: pass --roster FILE")));
  }
  if (!roster.ok()) return Fail("verify", roster.status());
  if (absl::Status s = VerifyFederatedResult(kept->result, *roster); !s.ok()) return reject(s);
  absl::StatusOr<Announcement> announcement = OpenAnnouncement(kept->result.announcement);
  if (!announcement.ok()) return reject(announcement.status());

  auto name_of = [&](const PublicKey& key) {
    const RosterMember* m = roster->Find(key.fingerprint());
    return m != nullptr ? m->name : key.fingerprint().ToString();
  };
  const std::string round = DigestHex(DigestProposal(kept->result.proposal.body));
  std::vector<std::string> cohort;
  std::vector<Fingerprint> fingerprints;
  for (const PublicKey& k : announcement->cohort) {
    cohort.push_back(name_of(k));
    fingerprints.push_back(k.fingerprint());
  }
  size_t released = 0;
  for (const FederatedRow& row : kept->result.rows) released += row.released;
  const std::string release = HexEncode(FederatedReleaseHash(round, fingerprints));
  Record attestation;
  attestation.Add("consortium", proposal->consortium)
      .Add("roster", roster_source)
      .Add("round", round)
      .Add("requester", name_of(proposal->requester))
      .Add("requester_fingerprint", proposal->requester.fingerprint().ToString())
      .Add("proposed", FormatTimestamp(proposal->issued_at))
      .Add("query", DescribeQuery(proposal->query))
      .Add("cohort",
           Value(cohort).Shown(absl::StrCat(absl::StrJoin(cohort, ", "), " (", cohort.size(),
                                            " of ", proposal->cohort.size(), " proposed)")))
      .Add("proposed_cohort_size", proposal->cohort.size())
      .Add("released_groups", released)
      .Add("groups", kept->result.rows.size())
      .Add("min_contributors", proposal->min_contributors)
      .Add("release_hash", release);
  if (format == OutputFormat::kJson) {
    Json doc =
        FederatedRowsJson(proposal->query, kept->result.rows, proposal->min_contributors, "");
    doc["verified"] = true;
    doc["attestation"] = attestation.ToJson();
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  std::cout << "verified: a federated result of consortium " << proposal->consortium << "\n"
            << attestation.Render(OutputFormat::kTable)
            << "Each member's audit entry for this release has the release hash as its\n"
               "result_hash (find it with: cairnctl audit export | grep HASH).\n"
            << "It attests: each member listed signed a masked count vector and a masked value "
               "vector\nfor this round and cohort; the masks cancel, and every published count "
               "and total is\nexactly their sum. It does not attest that the members' data is "
               "true, nor who\ncontributed what to a group: nobody, the requester included, can "
               "tell.\n\n";
  std::cout << FormatFederatedRows(proposal->query, kept->result.rows, proposal->min_contributors,
                                   format, "");
  return 0;
}

void AddFederationCommands(CLI::App& app, Globals& g) {
  static FederationFlags f;

  CLI::App* consortium =
      app.add_subcommand("consortium", "the consortia this daemon answers federated rounds for");
  consortium->require_subcommand(1);
  CLI::App* add = consortium->add_subcommand(
      "add", "import a consortium roster (registers members not yet partners from it)");
  add->add_option("file", f.roster_file, "the roster the consortium agreed on (TOML)")->required();
  add->add_option("--by", f.added_by, "who imports it, for the audit log (default user@host)");
  add->callback([&g] {
    g.exit_code = WithClient(g.data_dir, "consortium add",
                             [](AdminClient& c) { return ConsortiumAdd(c, f); });
  });
  CLI::App* list = consortium->add_subcommand("list", "the consortia and their members");
  AddFormatOption(list, f.list_format);
  list->callback([&g] {
    g.exit_code = WithClient(g.data_dir, "consortium list",
                             [](AdminClient& c) { return ConsortiumList(c, f); });
  });

  CLI::App* federate = app.add_subcommand(
      "federate", "ask the members of a consortium one question; learn only the total");
  federate->add_option("--consortium", f.consortium, "the consortium (cairnctl consortium list)")
      ->required();
  f.query.Register(federate);
  federate->add_option("--group-values", f.group_values,
                       "the values of a grouping tag that make up the groups, tag=a,b,c "
                       "(one per tag in --group-by; every member sees them)");
  federate->add_option("--members", f.members,
                       "the cohort: comma-separated roster names (default: the whole roster)");
  federate->add_option("--min-contributors", f.min_contributors,
                       "release a group only with this many contributing members (default 3, "
                       "or the cohort size if smaller)");
  federate->add_option("--out", f.out, "keep the verifiable result in this file");
  AddFormatOption(federate, f.format);
  federate->callback([&g] {
    g.exit_code = WithClient(g.data_dir, "federate", [](AdminClient& c) { return Federate(c, f); });
  });
}

}  // namespace cairn
