// cairnctl: the admin's command line for one Cairn daemon (init, import, query, partners,
// verify, ...). Every command but `init`, `identity` and `verify` talks to the running cairnd
// over the data dir's Unix socket.
#include <signal.h>

#include "CLI/CLI.hpp"
#include "base/version.h"
#include "tools/cairnctl/commands.h"

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  CLI::App app{"cairnctl: administer a Cairn daemon (cairnd), its data and its partners."};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("cairnctl ") + cairn::kCairnVersion);
  cairn::Globals globals;
  app.add_option("-d,--data-dir", globals.data_dir, "the daemon's data dir")
      ->envname("CAIRN_DATA_DIR")
      ->capture_default_str();
  cairn::AddDataCommands(app, globals);
  cairn::AddPartnerCommands(app, globals);
  cairn::AddStewardCommands(app, globals);
  cairn::AddFederationCommands(app, globals);
  CLI11_PARSE(app, argc, argv);
  return globals.exit_code;
}
