// The data dir: where one participant's daemon keeps everything, and the lock that makes
// cairnd its single writer.
//
//   DIR/cairnd.toml   configuration (DefaultConfigText)
//   DIR/db/           RocksDB
//   DIR/cairnd.sock   admin socket for cairnctl (mode 0600)
//   DIR/cairnd.lock   held (flock) by the running daemon; holds its pid
//   DIR/identity.key  the participant's Ed25519 identity (mode 0600, never printed)
//   DIR/identity.crt  its self-signed certificate, which partners pin
//
// The directory is created with mode 0700. Functions are thread-safe; a DataDirLock must be
// released by the thread-agnostic destructor only once.
#ifndef CAIRN_PARTICIPANT_DATA_DIR_H_
#define CAIRN_PARTICIPANT_DATA_DIR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn {

class DataDir {
 public:
  explicit DataDir(std::string root);

  const std::string& root() const { return root_; }
  std::string ConfigPath() const { return root_ + "/cairnd.toml"; }
  std::string DbPath() const { return root_ + "/db"; }
  std::string LockPath() const { return root_ + "/cairnd.lock"; }
  std::string IdentityKeyPath() const { return root_ + "/identity.key"; }
  std::string CertificatePath() const { return root_ + "/identity.crt"; }
  // `socket_name` comes from the config ([admin] socket); absolute names are used as they are.
  std::string SocketPath(absl::string_view socket_name) const;

  // Creates the directory (0700) and a default config naming the participant.
  // FailedPrecondition if DIR already holds a config; the directory may exist if empty.
  // `listen` (optional) sets the partner listener's address in the config.
  absl::Status Initialize(absl::string_view name, absl::string_view listen = "") const;

 private:
  std::string root_;  // absolute
};

// Holds an exclusive lock on DIR/cairnd.lock for its lifetime.
class DataDirLock {
 public:
  // FailedPrecondition "another cairnd (pid 1234) is already running on DIR" when held.
  static absl::StatusOr<std::unique_ptr<DataDirLock>> Acquire(const DataDir& dir);
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// An address kj's network can bind or connect to for the Unix socket at `path`. Paths longer
// than sun_path allows (108 bytes; test temp dirs often are) are reached through
// /proc/self/fd/N of the opened directory; the returned object keeps that fd open.
class UnixSocketAddress {
 public:
  static absl::StatusOr<std::unique_ptr<UnixSocketAddress>> For(const std::string& path);
  ~UnixSocketAddress();
  const std::string& kj_address() const { return address_; }  // "unix:..."

 private:
  UnixSocketAddress(std::string address, int dir_fd)
      : address_(std::move(address)), dir_fd_(dir_fd) {}
  std::string address_;
  int dir_fd_;
};

// Absolute form of `path` (relative to the working directory).
std::string AbsolutePath(const std::string& path);

}  // namespace cairn

#endif  // CAIRN_PARTICIPANT_DATA_DIR_H_
