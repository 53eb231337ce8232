#include "participant/data_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "participant/config.h"

namespace cairn {
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  int e = errno;
  std::string message = absl::StrCat(what, " ", path, ": ", strerror(e));
  if (e == ENOENT) return absl::NotFoundError(message);
  if (e == EACCES || e == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

}  // namespace

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  std::string out = absl::StrCat(cwd, "/", path);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

DataDir::DataDir(std::string root) : root_(AbsolutePath(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string DataDir::SocketPath(absl::string_view socket_name) const {
  if (!socket_name.empty() && socket_name[0] == '/') return std::string(socket_name);
  return absl::StrCat(root_, "/", socket_name);
}

absl::Status DataDir::Initialize(absl::string_view name, absl::string_view listen) const {
  if (mkdir(root_.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError("cannot create data dir", root_);
  }
  struct stat st;
  if (stat(root_.c_str(), &st) != 0) return ErrnoError("cannot read", root_);
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(root_, " exists and is not a directory"));
  }
  if (access(ConfigPath().c_str(), F_OK) == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(root_, " is already initialised (", ConfigPath(), " exists)"));
  }
  if (chmod(root_.c_str(), 0700) != 0) return ErrnoError("cannot chmod", root_);
  std::string tmp = ConfigPath() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return ErrnoError("cannot write", tmp);
    out << DefaultConfigText(name, listen);
    out.flush();
    if (!out) return ErrnoError("cannot write", tmp);
  }
  if (rename(tmp.c_str(), ConfigPath().c_str()) != 0) return ErrnoError("cannot rename", tmp);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const DataDir& dir) {
  std::string path = dir.LockPath();
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot open lock file", path);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    char buf[32] = {0};
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    if (e != EWOULDBLOCK) {
      errno = e;
      return ErrnoError("cannot lock", path);
    }
    int pid = 0;
    std::string holder = "another cairnd";
    if (n > 0 && absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::string_view(buf, n)), &pid)) {
      holder = absl::StrCat("another cairnd (pid ", pid, ")");
    }
    return absl::FailedPreconditionError(
        absl::StrCat(holder, " is already running on ", dir.root()));
  }
  std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    close(fd);
    return ErrnoError("cannot write lock file", path);
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() {
  if (ftruncate(fd_, 0) != 0) {
    // The pid is informational only; the lock itself goes with the fd.
  }
  close(fd_);
}

absl::StatusOr<std::unique_ptr<UnixSocketAddress>> UnixSocketAddress::For(const std::string& path) {
  if (path.size() < sizeof(sockaddr_un::sun_path)) {
    return std::unique_ptr<UnixSocketAddress>(new UnixSocketAddress("unix:" + path, -1));
  }
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  int fd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open socket directory", dir);
  std::string address = absl::StrCat("unix:/proc/self/fd/", fd, "/", base);
  if (address.size() - 5 >= sizeof(sockaddr_un::sun_path)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat("socket name too long: ", base));
  }
  return std::unique_ptr<UnixSocketAddress>(new UnixSocketAddress(address, fd));
}

UnixSocketAddress::~UnixSocketAddress() {
  if (dir_fd_ >= 0) close(dir_fd_);
}

}  // namespace cairn
