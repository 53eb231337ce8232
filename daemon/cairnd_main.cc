// cairnd: the Cairn daemon. Runs in the foreground (systemd-friendly); logs to stderr.
#include <kj/async-unix.h>
#include <signal.h>

#include <iostream>

#include "CLI/CLI.hpp"
#include "base/logging.h"
#include "daemon/daemon.h"

int main(int argc, char** argv) {
  CLI::App app{
      "cairnd: answers aggregate questions about this company's production and emissions "
      "data, under the owner's policy, without releasing records."};
  std::string data_dir;
  std::string log_level;
  app.add_option("-d,--data-dir", data_dir, "data dir created by `cairnctl init`")
      ->required()
      ->envname("CAIRN_DATA_DIR");
  app.add_option("--log-level", log_level, "debug, info, warning or error (overrides config)");
  app.set_version_flag("--version", std::string("cairnd ") + cairn::kCairnVersion);
  CLI11_PARSE(app, argc, argv);

  cairn::SetLogTag("cairnd");
  // Before any thread exists, so that every thread blocks these and the loop receives them.
  kj::UnixEventPort::captureSignal(SIGTERM);
  kj::UnixEventPort::captureSignal(SIGINT);
  signal(SIGPIPE, SIG_IGN);

  auto io = kj::setupAsyncIo();
  absl::StatusOr<std::unique_ptr<cairn::Daemon>> daemon = cairn::Daemon::Open(data_dir);
  if (!daemon.ok()) {
    std::cerr << "cairnd: " << daemon.status().message() << "\n";
    return 1;
  }
  if (!log_level.empty()) {
    cairn::LogLevel level;
    if (!cairn::ParseLogLevel(log_level, &level)) {
      std::cerr << "cairnd: --log-level must be debug, info, warning or error\n";
      return 2;
    }
    cairn::SetLogLevel(level);
  }
  absl::Status served = (*daemon)->Serve(io);
  daemon->reset();
  if (!served.ok()) {
    CAIRN_LOG_ERROR(served.message());
    return 1;
  }
  CAIRN_LOG_INFO("stopped cleanly");
  return 0;
}
