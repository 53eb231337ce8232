// `cairnctl import FILE`: reads a CSV or JSON Lines export and imports it through cairnd.
//
// By default the whole file is checked first and nothing is applied if any row is bad (each
// bad row is reported with file, line and field). With --skip-bad the good rows are applied
// and every bad one is reported. Parsing runs on its own thread while the daemon writes the
// previous batch; each batch is acknowledged only once durable.
#ifndef CAIRN_TOOLS_CAIRNCTL_IMPORT_COMMAND_H_
#define CAIRN_TOOLS_CAIRNCTL_IMPORT_COMMAND_H_

#include <string>

#include "ingest/record_reader.h"
#include "tools/cairnctl/admin_client.h"

namespace cairn {

struct ImportOptions {
  std::string path;  // "-" for standard input
  InputFormat format = InputFormat::kAuto;
  bool skip_bad = false;
  size_t batch_size = 50000;
  bool progress = true;          // draw progress when stderr is a terminal
  size_t max_errors_shown = 50;  // without --skip-bad; --skip-bad shows every bad row
};

// Returns the process exit code (0 ok, 1 failure) after printing what happened.
int RunImport(AdminClient& client, const ImportOptions& options);

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_IMPORT_COMMAND_H_
