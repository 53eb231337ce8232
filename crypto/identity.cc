// Ed25519 identities and their key files; see identity.h.
#include "crypto/identity.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"

namespace cairn {
namespace {

constexpr absl::string_view kHeaderLine = "cairn-identity-v1";
constexpr absl::string_view kSeedTag = "ed25519-seed ";
constexpr absl::string_view kFingerprintTag = "fingerprint ";
constexpr size_t kSeedHexChars = 2 * kSeedBytes;
// A well-formed file is about 130 bytes. The cap keeps a wrong path (a log, a device) from
// being read into memory whole.
constexpr off_t kMaxIdentityFileBytes = 1024;

absl::Status SysError(absl::string_view call, const std::string& path) {
  const int err = errno;
  return absl::InternalError(absl::StrCat(call, "(", path, ") failed: ", std::strerror(err)));
}

// Closes a file descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  int get() const { return fd_; }
  // Closes now and reports a failure (a failed close can mean lost data).
  int Close() { return close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

absl::Status WriteAll(int fd, const uint8_t* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError("write", path);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status FsyncDirectory(const std::string& dir) {
  FdCloser fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return SysError("open", dir);
  if (fsync(fd.get()) != 0) return SysError("fsync", dir);
  return absl::OkStatus();
}

// Moves `from` to `to` only if `to` does not exist, atomically. RENAME_NOREPLACE where the
// file system has it; otherwise link(2), which also refuses an existing target.
absl::Status RenameNoReplace(const std::string& from, const std::string& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return absl::OkStatus();
  }
  if (errno == EEXIST) {
    return absl::AlreadyExistsError(
        absl::StrCat("identity file ", to, " already exists; refusing to overwrite it"));
  }
  if (errno != EINVAL && errno != ENOSYS) return SysError("renameat2", to);
  if (link(from.c_str(), to.c_str()) != 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat("identity file ", to, " already exists; refusing to overwrite it"));
    }
    return SysError("link", to);
  }
  if (unlink(from.c_str()) != 0) return SysError("unlink", from);
  return absl::OkStatus();
}

// The file's bytes, built inside a SecretBytes so that no copy of the seed is left behind.
SecretBytes EncodeIdentityFile(const SecretArray<kSeedBytes>& seed,
                               const Fingerprint& fingerprint) {
  const std::string fp = fingerprint.ToString();
  const size_t size = kHeaderLine.size() + 1 + kSeedTag.size() + kSeedHexChars + 1 +
                      kFingerprintTag.size() + fp.size() + 1;
  SecretBytes out(size);
  char* p = reinterpret_cast<char*>(out.data());
  auto append = [&p](absl::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  append(kHeaderLine);
  append("\n");
  append(kSeedTag);
  // sodium_bin2hex writes a terminating NUL: give it room, then overwrite the NUL with '\n'.
  SecretBytes hex(kSeedHexChars + 1);
  sodium_bin2hex(reinterpret_cast<char*>(hex.data()), hex.size(), seed.data(), seed.size());
  append(hex.view().substr(0, kSeedHexChars));
  append("\n");
  append(kFingerprintTag);
  append(fp);
  append("\n");
  return out;
}

absl::Status Malformed(const std::string& path, int line, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("identity file ", path, " line ", line, ": expected ", expected));
}

// Parses the file format described in identity.h. Never quotes the file's contents: line 2
// holds the seed.
absl::StatusOr<Identity> DecodeIdentityFile(absl::string_view text, const std::string& path) {
  auto next_line = [&text](absl::string_view* line) {
    const size_t nl = text.find('\n');
    if (nl == absl::string_view::npos) return false;
    *line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    return true;
  };
  absl::string_view line;
  if (!next_line(&line) || line != kHeaderLine) {
    return Malformed(path, 1, absl::StrCat("\"", kHeaderLine, "\""));
  }
  if (!next_line(&line) || line.size() != kSeedTag.size() + kSeedHexChars ||
      line.substr(0, kSeedTag.size()) != kSeedTag) {
    return Malformed(path, 2, "\"ed25519-seed \" and 64 hex digits");
  }
  SecretArray<kSeedBytes> seed;
  const absl::string_view hex = line.substr(kSeedTag.size());
  size_t decoded = 0;
  if (sodium_hex2bin(seed.data(), seed.size(), hex.data(), hex.size(), nullptr, &decoded,
                     nullptr) != 0 ||
      decoded != kSeedBytes) {
    return Malformed(path, 2, "\"ed25519-seed \" and 64 hex digits");
  }
  if (!next_line(&line) || line.substr(0, kFingerprintTag.size()) != kFingerprintTag) {
    return Malformed(path, 3, "\"fingerprint ed25519:...\"");
  }
  absl::StatusOr<Fingerprint> stated = Fingerprint::Parse(line.substr(kFingerprintTag.size()));
  if (!stated.ok()) {
    return Malformed(path, 3, absl::StrCat("a fingerprint (", stated.status().message(), ")"));
  }
  if (!text.empty()) return Malformed(path, 4, "the end of the file");
  Identity identity = Identity::FromSeed(seed);
  if (identity.fingerprint() != *stated) {
    return absl::InvalidArgumentError(absl::StrCat(
        "identity file ", path, ": its seed belongs to ", identity.fingerprint().ToString(),
        " but the file says ", stated->ToString(), " (corrupted or edited file?)"));
  }
  return identity;
}

}  // namespace

Identity Identity::Generate() {
  SecretArray<kSeedBytes> seed;
  RandomBytes(seed.data(), seed.size());
  return FromSeed(seed);
}

Identity Identity::FromSeed(const SecretArray<kSeedBytes>& seed) {
  std::array<uint8_t, kPublicKeyBytes> pk;
  SecretArray<kSecretKeyBytes> sk;
  // Cannot fail: every 32-byte seed is a valid Ed25519 seed.
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  absl::StatusOr<PublicKey> public_key =
      PublicKey::FromBytes(absl::string_view(reinterpret_cast<const char*>(pk.data()), pk.size()));
  // A key derived from a seed is always a valid prime-order point.
  if (!public_key.ok()) {
    std::fputs("cairn: libsodium derived an invalid Ed25519 public key\n", stderr);
    std::abort();
  }
  return Identity(SecretArray<kSeedBytes>::CopyFrom(seed.data()), std::move(sk), *public_key);
}

absl::StatusOr<Identity> Identity::Load(const std::string& path) {
  FdCloser fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("identity file ", path, " does not exist"));
    }
    return SysError("open", path);
  }
  // fstat on the open descriptor: the checks apply to the file actually read.
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return SysError("fstat", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("identity file ", path, " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "identity file %s has mode %04o: group or others may access the private key; "
        "expected 0600 or stricter (chmod 600 %s)",
        path, st.st_mode & 07777, path));
  }
  if (st.st_size > kMaxIdentityFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat("identity file ", path, " has ", st.st_size,
                                                   " bytes; an identity file has about 130"));
  }
  SecretBytes contents(static_cast<size_t>(kMaxIdentityFileBytes) + 1);
  size_t used = 0;
  while (used < contents.size()) {
    const ssize_t n = read(fd.get(), contents.data() + used, contents.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError("read", path);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > static_cast<size_t>(kMaxIdentityFileBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("identity file ", path, " grew past ", kMaxIdentityFileBytes, " bytes"));
  }
  return DecodeIdentityFile(contents.view().substr(0, used), path);
}

absl::Status Identity::Save(const std::string& path, Overwrite overwrite) const {
  struct stat st;
  if (overwrite == Overwrite::kRefuse && lstat(path.c_str(), &st) == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("identity file ", path, " already exists; refusing to overwrite it"));
  }
  const std::string temp = absl::StrFormat("%s.tmp-%016x", path, RandomU64());
  const SecretBytes contents = EncodeIdentityFile(seed_, fingerprint());

  absl::Status status = [&]() -> absl::Status {
    FdCloser fd(open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) return SysError("open", temp);
    // The umask can only narrow 0600, but be explicit about the mode the key file ends with.
    if (fchmod(fd.get(), 0600) != 0) return SysError("fchmod", temp);
    CAIRN_RETURN_IF_ERROR(WriteAll(fd.get(), contents.data(), contents.size(), temp));
    if (fsync(fd.get()) != 0) return SysError("fsync", temp);
    if (fd.Close() != 0) return SysError("close", temp);
    if (overwrite == Overwrite::kReplace) {
      if (rename(temp.c_str(), path.c_str()) != 0) return SysError("rename", path);
      return absl::OkStatus();
    }
    return RenameNoReplace(temp, path);
  }();
  if (!status.ok()) {
    unlink(temp.c_str());  // best effort; it may not exist
    return status;
  }
  return FsyncDirectory(DirectoryOf(path));
}

}  // namespace cairn
