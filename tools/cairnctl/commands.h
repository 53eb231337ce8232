// cairnctl's subcommands, registered on the CLI11 app by area. Each command is a function of
// the AdminClient (admin_client.h) and its flags that prints what the daemon returned through
// render.h, and sets `Globals::exit_code` (0 ok, 1 failure) after printing what happened.
#ifndef CAIRN_TOOLS_CAIRNCTL_COMMANDS_H_
#define CAIRN_TOOLS_CAIRNCTL_COMMANDS_H_

#include <functional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/query.h"
#include "tools/cairnctl/admin_client.h"
#include "tools/cairnctl/render.h"

namespace cairn {

struct Globals {
  std::string data_dir = ".";
  int exit_code = 0;
};

// init, status, import, query (local and --peer), metric, fsck.
void AddDataCommands(CLI::App& app, Globals& globals);
// identity, partner, verify.
void AddPartnerCommands(CLI::App& app, Globals& globals);
// policy, audit, budget.
void AddStewardCommands(CLI::App& app, Globals& globals);
// consortium, federate.
void AddFederationCommands(CLI::App& app, Globals& globals);

// `cairnctl verify` of a kept federated result (federated_file.h): checks it against the
// roster at `roster_path`, else the data dir's copy (<data_dir>/consortia/NAME.toml), else the
// roster in the file; prints what it attests. Returns the exit code (0 verified, 1 not).
int VerifyFederated(absl::string_view text, const std::string& file, const std::string& roster_path,
                    const std::string& data_dir, OutputFormat format);

// Shared helpers; in data_commands.cc.
// Adds -f,--format table|json|csv to `command`, stored in `format` (which holds the default).
void AddFormatOption(CLI::App* command, std::string& format);
int Fail(absl::string_view command, const absl::Status& status);
int WithClient(const std::string& data_dir, absl::string_view command,
               const std::function<int(AdminClient&)>& fn);
// The whole file; NotFound naming it and why if it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path);
// "user@host" (or "uid N@host"), for the audit log's "applied by".
std::string WhoAmI();
// Repeatable options whose values may each be a comma-separated list, flattened and trimmed.
std::vector<std::string> SplitList(const std::vector<std::string>& args);
// The unit of a query's value, for the table header ("kg/count" for a ratio; "" if unknown).
std::string UnitOf(AdminClient& client, const Query& q);

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_COMMANDS_H_
