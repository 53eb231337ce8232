// Test harness for end-to-end tests: runs the real cairnd and cairnctl binaries (runfiles) on
// data dirs under TEST_TMPDIR, and talks to cairnd like cairnctl does.
//
// Every process a harness starts is killed when the harness is destroyed, so a failing test
// leaves nothing running. Single-threaded use.
#ifndef CAIRN_TESTS_INTEGRATION_HARNESS_H_
#define CAIRN_TESTS_INTEGRATION_HARNESS_H_

#include <sys/resource.h>
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "tools/cairnctl/admin_client.h"

namespace cairn::testing {

// Path of a binary built by Bazel and listed in the test's `data`, e.g. "daemon/cairnd".
std::string RunfilePath(const std::string& relative);

// A fresh directory under TEST_TMPDIR.
std::string FreshDir(const std::string& name);

struct CommandResult {
  int exit_code = -1;  // -1 if killed by a signal
  std::string out, err;
};

// Runs a binary to completion with `args`, capturing stdout and stderr. `uid` >= 0 runs it as
// that uid (the test must be root). Bounded by `timeout_seconds`; killed after that.
CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         int uid = -1, int timeout_seconds = 60);

// cairnctl with --data-dir `dir` and `args`.
CommandResult Cairnctl(const std::string& dir, const std::vector<std::string>& args);
// The same with --format json, parsed; null if the command failed (exit codes 0 and 3 —
// a policy check's denial — count as answers).
nlohmann::json CairnctlJson(const std::string& dir, const std::vector<std::string>& args);

class DaemonProcess {
 public:
  // `dir` must have been initialised (cairnctl init).
  explicit DaemonProcess(std::string dir) : dir_(std::move(dir)) {}
  ~DaemonProcess();

  // Starts cairnd and waits (up to 20 s) until its socket answers. `env` entries
  // ("NAME=value") are added to its environment (e.g. CAIRN_FAILPOINT=...).
  absl::Status Start(const std::vector<std::string>& env = {});
  // The open-file limit (RLIMIT_NOFILE) cairnd starts with; by default it inherits this
  // process's. Set before Start().
  void SetOpenFileLimit(rlim_t soft, rlim_t hard) { nofile_ = {soft, hard}; }
  // SIGTERM and wait; returns the exit code (-1 if it died by a signal).
  int Stop();
  // True while cairnd runs; once it has exited, reaps it and returns false.
  bool Alive();
  // SIGKILL and reap.
  void Kill();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  std::string Log() const;  // what cairnd wrote to stderr

  absl::StatusOr<std::unique_ptr<AdminClient>> Connect() const {
    return AdminClient::Connect(dir_);
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  std::optional<rlimit> nofile_;
};

// Creates and initialises a data dir named `name` for participant `participant`. The partner
// listener binds a free loopback port unless `listen` says otherwise.
std::string InitDataDir(const std::string& name, const std::string& participant = "Test Plant",
                        const std::string& listen = "127.0.0.1:0");

// Sets `key = value` in the data dir's config (replacing its commented default). `value` is
// TOML ("2", "true", "\"x\"").
void SetConfig(const std::string& dir, const std::string& key, const std::string& value);

// The address a running daemon's partner listener is bound to (from `cairnctl status`),
// and the fingerprint of a data dir's identity.
std::string PartnerAddress(const std::string& dir);
std::string FingerprintOf(const std::string& dir);

// Every audit entry of a running daemon, oldest first, as `cairnctl audit export` writes them.
std::vector<nlohmann::json> AuditEntries(const std::string& dir);
// The latest entry of `kind` (by `partner` too, unless ""), or null.
nlohmann::json FindAudit(const std::vector<nlohmann::json>& entries, const std::string& kind,
                         const std::string& partner = "");

// A loopback TCP port that was free a moment ago, for a daemon that must keep its address
// across restarts.
int FreeLoopbackPort();

// What /proc tells of a running process: resident memory (VmRSS, KiB), how many descriptors
// it holds and the highest one. -1 if the process is gone.
int64_t ResidentKib(pid_t pid);
int OpenDescriptors(pid_t pid);
int HighestDescriptor(pid_t pid);

// Raises this process's open-file soft limit to at least `wanted` (at most the hard limit);
// returns the soft limit in force afterwards.
rlim_t RaiseOwnOpenFileLimit(rlim_t wanted);

// Writes `contents` to `path`.
void WriteTextFile(const std::string& path, const std::string& contents);
std::string ReadTextFile(const std::string& path);

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_INTEGRATION_HARNESS_H_
