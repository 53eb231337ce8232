// cairnctl commands for federated queries (issue 5; docs/federation.md): consortium (add,
// list), federate, and the federated half of verify.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/hash.h"
#include "federation/release_hash.h"
#include "federation/roster.h"
#include "federation/verify.h"
#include "protocol/convert.h"
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
  std::string out, format = "table";
};

std::string Text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

void PrintConsortium(proto::ConsortiumInfo::Reader c) {
  std::cout << "consortium " << Text(c.getName()) << ": " << c.getMembers().size()
            << " members, roster " << Text(c.getFileName()) << " imported "
            << FormatTimestamp(c.getAddedAt()) << " by " << Text(c.getAddedBy()) << "; "
            << c.getCohortMemoryEntries() << " answered cohorts remembered\n";
  std::cout << absl::StrFormat("  %-20s %-40s %-24s %s\n", "MEMBER", "FINGERPRINT", "ENDPOINT",
                               "STATUS");
  for (auto m : c.getMembers()) {
    std::cout << absl::StrFormat("  %-20s %-40s %-24s %s\n", Text(m.getName()),
                                 Text(m.getFingerprint()), Text(m.getEndpoint()),
                                 Text(m.getStatus()));
  }
}

int ConsortiumAdd(AdminClient& c, const FederationFlags& f) {
  absl::StatusOr<std::string> text = ReadFile(f.roster_file);
  if (!text.ok()) return Fail("consortium add", text.status());
  absl::Status s = c.Guard([&]() -> absl::Status {
    auto request = c.admin().consortiumAddRequest();
    request.setText(*text);
    request.setFileName(f.roster_file);
    request.setAddedBy(f.added_by.empty() ? WhoAmI() : f.added_by);
    auto response = request.send().wait(c.wait_scope());
    auto info = response.getConsortium();
    std::cout << "imported the roster of consortium " << Text(info.getName()) << " from "
              << f.roster_file << "\n";
    for (auto name : response.getRegistered()) {
      std::cout << "  registered member " << Text(name)
                << " as a partner, from the roster's certificate\n";
    }
    for (auto w : response.getWarnings()) std::cout << "  warning: " << Text(w) << "\n";
    PrintConsortium(info);
    return absl::OkStatus();
  });
  return s.ok() ? 0 : Fail("consortium add", s);
}

int ConsortiumList(AdminClient& c) {
  absl::Status s = c.Guard([&]() -> absl::Status {
    auto response = c.admin().consortiumListRequest().send().wait(c.wait_scope());
    if (response.getConsortia().size() == 0) {
      std::cout << "this daemon is in no consortium (cairnctl consortium add ROSTER.toml)\n";
    }
    for (auto info : response.getConsortia()) PrintConsortium(info);
    return absl::OkStatus();
  });
  return s.ok() ? 0 : Fail("consortium list", s);
}

int Federate(AdminClient& c, const FederationFlags& f) {
  absl::StatusOr<Query> query = f.query.Build();
  if (!query.ok()) return Fail("federate", query.status());
  std::vector<std::pair<std::string, std::vector<std::string>>> key_space;
  for (const std::string& arg : f.group_values) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
      return Fail("federate", absl::InvalidArgumentError(
                                  absl::StrCat("--group-values '", arg, "': expected tag=a,b,c")));
    }
    key_space.emplace_back(arg.substr(0, eq), SplitList({arg.substr(eq + 1)}));
  }
  std::string result_bytes, roster_text;
  absl::Status s = c.Guard([&]() -> absl::Status {
    auto request = c.admin().federateRequest();
    request.setConsortium(f.consortium);
    ToProto(*query, request.initQuery());
    auto values = request.initGroupValues(key_space.size());
    for (size_t i = 0; i < key_space.size(); ++i) {
      values[i].setTag(key_space[i].first);
      auto list = values[i].initValues(key_space[i].second.size());
      for (size_t j = 0; j < key_space[i].second.size(); ++j) {
        list.set(j, key_space[i].second[j]);
      }
    }
    std::vector<std::string> members = SplitList(f.members);
    auto m = request.initMembers(members.size());
    for (size_t i = 0; i < members.size(); ++i) m.set(i, members[i]);
    request.setMinContributors(f.min_contributors);
    auto response = request.send().wait(c.wait_scope());
    auto r = response.getResult();
    result_bytes.assign(reinterpret_cast<const char*>(r.begin()), r.size());
    roster_text = Text(response.getRosterText());
    auto report = response.getReport();
    std::vector<std::string> cohort;
    for (auto name : report.getFinalCohort()) cohort.push_back(Text(name));
    std::cerr << "round " << Text(report.getRoundDigest()).substr(0, 16) << " of consortium "
              << f.consortium << ": " << cohort.size() << " members contributed ("
              << absl::StrJoin(cohort, ", ") << ")"
              << (report.getAttempts() > 1
                      ? absl::StrCat(", after ", report.getAttempts(), " attempts")
                      : "")
              << "\n  this daemon audited the round: cairnctl audit show "
              << Text(report.getAuditReceipt()) << "\n";
    for (auto i : report.getIssues()) {
      std::cerr << "  " << Text(i.getMember())
                << (i.getDropped() ? " (dropped out at " : " (refused at ") << Text(i.getCall())
                << "): " << Text(i.getReason()) << "\n";
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return Fail("federate", s);
  absl::StatusOr<FederatedResult> result = DecodeFederatedResult(result_bytes);
  if (!result.ok()) return Fail("federate", result.status());
  absl::StatusOr<Proposal> proposal = OpenProposal(result->proposal);
  if (!proposal.ok()) return Fail("federate", proposal.status());
  std::cout << FormatFederatedRows(proposal->query, result->rows, proposal->min_contributors,
                                   *ParseOutputFormat(f.format), UnitOf(c, proposal->query));
  if (!f.out.empty()) {
    std::ofstream out(f.out, std::ios::binary | std::ios::trunc);
    out << ArmorFederatedResult(*result, roster_text);
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
  std::cout << "verified: a federated result of consortium " << proposal->consortium << "\n"
            << "  roster     " << roster_source << "\n"
            << "  round      " << round << "\n"
            << "  requester  " << name_of(proposal->requester) << " ("
            << proposal->requester.fingerprint().ToString() << "), proposed "
            << FormatTimestamp(proposal->issued_at) << "\n"
            << "  query      " << DescribeQuery(proposal->query) << "\n"
            << "  cohort     " << absl::StrJoin(cohort, ", ") << " (" << cohort.size() << " of "
            << proposal->cohort.size() << " proposed)\n"
            << "  released   " << released << " of " << kept->result.rows.size()
            << " groups with records (a group needs " << proposal->min_contributors
            << " contributing members)\n"
            << "  audit      each member's audit entry for this release has the result_hash\n"
            << "             (find it with: cairnctl audit export | grep HASH)\n";
  const std::string release = HexEncode(FederatedReleaseHash(round, fingerprints));
  for (const std::string& name : cohort) {
    std::cout << "               " << absl::StrFormat("%-20s", name) << " " << release << "\n";
  }
  std::cout
      << "It attests: each member listed signed a masked count vector and a masked value "
         "vector\nfor this round and cohort; the masks cancel, and every published count and "
         "total is\nexactly their sum. It does not attest that the members' data is true, nor "
         "who\ncontributed what to a group: nobody, the requester included, can tell.\n\n";
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
  list->callback([&g] {
    g.exit_code =
        WithClient(g.data_dir, "consortium list", [](AdminClient& c) { return ConsortiumList(c); });
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
  federate->add_option("-f,--format", f.format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  federate->callback([&g] {
    g.exit_code = WithClient(g.data_dir, "federate", [](AdminClient& c) { return Federate(c, f); });
  });
}

}  // namespace cairn
