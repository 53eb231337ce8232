#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace cairn::testing {
namespace {

std::vector<char*> Argv(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

std::string RunfilePath(const std::string& relative) {
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* workspace = getenv("TEST_WORKSPACE");
  if (srcdir == nullptr) return relative;
  return absl::StrCat(srcdir, "/", workspace ? workspace : "cairn", "/", relative);
}

std::string FreshDir(const std::string& name) {
  const char* tmp = getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp ? tmp : "/tmp", "/", name);
  std::string cmd = absl::StrCat("rm -rf '", dir, "'");
  if (system(cmd.c_str()) != 0) return dir;
  mkdir(dir.c_str(), 0700);
  return dir;
}

CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args, int uid,
                         int timeout_seconds) {
  int out_pipe[2], err_pipe[2];
  CommandResult result;
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) return result;
  std::vector<char*> argv = Argv(binary, args);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    if (uid >= 0 && (setgid(uid) != 0 || setuid(uid) != 0)) _exit(126);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, left) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf, n);
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

CommandResult Cairnctl(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> full = {"--data-dir", dir};
  full.insert(full.end(), args.begin(), args.end());
  return RunCommand(RunfilePath("tools/cairnctl/cairnctl"), full);
}

std::string InitDataDir(const std::string& name, const std::string& participant,
                        const std::string& listen) {
  std::string dir = FreshDir(name);
  rmdir(dir.c_str());
  CommandResult r = Cairnctl(dir, {"init", "--name", participant, "--listen", listen});
  if (r.exit_code != 0) ADD_FAILURE() << "cairnctl init failed: " << r.err;
  return dir;
}

nlohmann::json CairnctlJson(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> full = args;
  full.insert(full.end(), {"--format", "json"});
  CommandResult r = Cairnctl(dir, full);
  if (r.exit_code != 0 && r.exit_code != 3) return nullptr;
  nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) ADD_FAILURE() << "cairnctl printed no JSON: " << r.out << r.err;
  return doc.is_discarded() ? nlohmann::json() : doc;
}

std::string PartnerAddress(const std::string& dir) {
  nlohmann::json status = CairnctlJson(dir, {"status"});
  return status.is_object() && status["listen"].is_string() ? status["listen"].get<std::string>()
                                                            : "";
}

std::string FingerprintOf(const std::string& dir) {
  nlohmann::json id = CairnctlJson(dir, {"identity"});
  return id.is_object() ? id.value("fingerprint", "") : "";
}

std::vector<nlohmann::json> AuditEntries(const std::string& dir) {
  CommandResult r = Cairnctl(dir, {"audit", "export"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> entries;
  for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    entries.push_back(nlohmann::json::parse(line));
  }
  return entries;
}

nlohmann::json FindAudit(const std::vector<nlohmann::json>& entries, const std::string& kind,
                         const std::string& partner) {
  for (auto e = entries.rbegin(); e != entries.rend(); ++e) {
    if ((*e)["kind"] == kind && (partner.empty() || (*e)["partner"] == partner)) return *e;
  }
  return nullptr;
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

int64_t ResidentKib(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

namespace {

// Calls `each` with every descriptor number `pid` holds; false if the process is gone.
template <typename Each>
bool ForEachDescriptor(pid_t pid, Each each) {
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) return false;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') each(atoi(entry->d_name));
  }
  closedir(dir);
  return true;
}

}  // namespace

int OpenDescriptors(pid_t pid) {
  int n = 0;
  return ForEachDescriptor(pid, [&n](int) { ++n; }) ? n : -1;
}

int HighestDescriptor(pid_t pid) {
  int highest = -1;
  return ForEachDescriptor(pid, [&highest](int fd) { highest = std::max(highest, fd); }) ? highest
                                                                                         : -1;
}

rlim_t RaiseOwnOpenFileLimit(rlim_t wanted) {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

void WriteTextFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void SetConfig(const std::string& dir, const std::string& key, const std::string& value) {
  std::string path = dir + "/cairnd.toml";
  std::string text = ReadTextFile(path);
  std::string out;
  bool done = false;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!done && (line.rfind("# " + key + " = ", 0) == 0 || line.rfind(key + " = ", 0) == 0)) {
      line = key + " = " + value;
      done = true;
    }
    out += line + "\n";
  }
  if (!done) ADD_FAILURE() << "no setting " << key << " in " << path;
  WriteTextFile(path, out);
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) Kill();
}

absl::Status DaemonProcess::Start(const std::vector<std::string>& env) {
  std::string binary = RunfilePath("daemon/cairnd");
  std::string log = dir_ + "/cairnd.test.log";
  std::vector<std::string> args = {"--data-dir", dir_};
  std::vector<char*> argv = Argv(binary, args);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, STDERR_FILENO);
    dup2(fd, STDOUT_FILENO);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    if (nofile_ && setrlimit(RLIMIT_NOFILE, &*nofile_) != 0) _exit(126);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat("cairnd exited at start: ", Log()));
    }
    // A subprocess, so that a test may hold its own kj event loop meanwhile.
    if (Cairnctl(dir_, {"status"}).exit_code == 0) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill();
  return absl::DeadlineExceededError(absl::StrCat("cairnd did not answer in 20 s: ", Log()));
}

int DaemonProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {  // up to 30 s
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Kill();
  return -1;
}

bool DaemonProcess::Alive() {
  if (pid_ <= 0) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
  pid_ = -1;
  return false;
}

void DaemonProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string DaemonProcess::Log() const {
  std::ifstream in(dir_ + "/cairnd.test.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace cairn::testing
