#include "participant/participant_identity.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/hash.h"

namespace cairn {
namespace {

// The longest prefix of `name` that fits an X.509 organizationName, cut at a UTF-8 boundary.
std::string CertificateName(absl::string_view name) {
  if (name.size() <= kMaxDisplayNameBytes) return std::string(name);
  size_t n = kMaxDisplayNameBytes;
  while (n > 0 && (static_cast<unsigned char>(name[n]) & 0xC0) == 0x80) --n;
  return std::string(name.substr(0, n));
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents,
                                 mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot write ", tmp, ": ", strerror(errno)));
  bool ok = write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()) &&
            fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot write ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CreateParticipantIdentity(const DataDir& dir, absl::string_view display_name,
                                       int valid_days, bool replace) {
  std::string key_path = dir.IdentityKeyPath();
  std::string cert_path = dir.CertificatePath();
  if (!replace && access(key_path.c_str(), F_OK) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(key_path, " already exists"));
  }
  Identity identity = Identity::Generate();
  CAIRN_ASSIGN_OR_RETURN(std::string pem, CertificateBuilder(identity)
                                              .SetDisplayName(CertificateName(display_name))
                                              .SetValidDays(valid_days)
                                              .Build());
  if (replace) {
    absl::StatusOr<ParticipantIdentity> old = LoadParticipantIdentity(dir);
    if (old.ok()) {
      std::ofstream history(dir.root() + "/identity.previous", std::ios::app);
      history << HexEncode(old->identity.public_key().AsStringView()) << "\n";
      if (!history.flush()) {
        return absl::InternalError(absl::StrCat("cannot write ", dir.root(), "/identity.previous"));
      }
    }
    rename(key_path.c_str(), (key_path + ".old").c_str());
    rename(cert_path.c_str(), (cert_path + ".old").c_str());
  }
  CAIRN_RETURN_IF_ERROR(identity.Save(key_path, Identity::Overwrite::kReplace));
  return WriteFileAtomically(cert_path, pem, 0644);
}

absl::StatusOr<ParticipantIdentity> LoadParticipantIdentity(const DataDir& dir) {
  absl::StatusOr<Identity> identity = Identity::Load(dir.IdentityKeyPath());
  if (!identity.ok()) {
    return absl::Status(identity.status().code(), identity.status().message());
  }
  std::ifstream in(dir.CertificatePath());
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", dir.CertificatePath(), ": ", strerror(errno)));
  }
  std::stringstream pem;
  pem << in.rdbuf();
  absl::StatusOr<CertificateInfo> info = ParseCertificate(pem.str());
  if (!info.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir.CertificatePath(), ": ", info.status().message()));
  }
  if (info->public_key != identity->public_key()) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir.CertificatePath(), " is not the certificate of ", dir.IdentityKeyPath(),
                     " (it carries ", info->fingerprint.ToString(), ", the key is ",
                     identity->fingerprint().ToString(), ")"));
  }
  return ParticipantIdentity{*std::move(identity), pem.str(), *std::move(info)};
}

absl::StatusOr<std::vector<PublicKey>> LoadFormerKeys(const DataDir& dir) {
  std::vector<PublicKey> keys;
  std::ifstream in(dir.root() + "/identity.previous");
  if (!in) return keys;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    std::string bytes;
    absl::StatusOr<PublicKey> key = HexDecode(line, &bytes) ? PublicKey::FromBytes(bytes)
                                                            : absl::InvalidArgumentError("not hex");
    if (!key.ok()) {
      return absl::DataLossError(
          absl::StrCat(dir.root(), "/identity.previous:", n, ": ", key.status().message()));
    }
    keys.push_back(*key);
  }
  return keys;
}

}  // namespace cairn
