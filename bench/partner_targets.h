// The owners partner_bench asks, behind one interface.
//
// A secured target is a cairnd's partner listener: mutual TLS with the owner's key pinned,
// a request signed by the requester's identity, and the sealed, signed answer opened and
// checked with OpenAnswer (daemon/peer_client.h) — everything a real requester does. A clear
// target is clear_query_server: the same query over the same Cap'n Proto RPC on plain TCP,
// the rows in the clear.
//
// Threading: a Target belongs to the thread whose kj event loop `io` is, and is not
// thread-safe.
#ifndef CAIRN_TOOLS_BENCH_PARTNER_TARGETS_H_
#define CAIRN_TOOLS_BENCH_PARTNER_TARGETS_H_

#include <kj/async-io.h>
#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "participant/participant_identity.h"
#include "model/query.h"

namespace cairn {

// A target as named on partner_bench's command line:
//   NAME=secured,HOST:PORT,PID,CERT_FILE   a cairnd (PID) whose identity.crt is CERT_FILE
//   NAME=clear,HOST:PORT,PID               a clear_query_server
struct TargetSpec {
  std::string name;
  bool secured = false;
  std::string endpoint;
  pid_t pid = 0;
  std::string certificate_file;  // secured only
};
// InvalidArgument naming what is wrong: a missing name, an unknown kind, a wrong number of
// fields, a PID that is not a positive number.
absl::StatusOr<TargetSpec> ParseTargetSpec(absl::string_view text);

class Target {
 public:
  virtual ~Target() = default;

  // Opens `n` connections for Ask (closing earlier ones) and waits until they are up.
  // Unavailable (with the endpoint) if the owner cannot be reached or refuses the handshake.
  virtual absl::Status Connect(int n) = 0;
  // One round trip on connection `c` (0 <= c < n): resolves to the rows the owner released —
  // for a secured target only after OpenAnswer verified that the answer is sealed to us,
  // signed by the owner and answers exactly this request. Rejects with the owner's refusal or
  // a transport or verification error.
  virtual kj::Promise<QueryResult> Ask(int c) = 0;
  // A new connection made ready for its first call, then closed: resolves when the owner's
  // bootstrap capability has arrived, which for a secured target means that the TLS handshake
  // completed on both sides and the owner authenticated us and admitted the connection.
  virtual kj::Promise<void> Dial() = 0;
};

// The requester `me` asks the cairnd at `endpoint` whose certificate (PEM) is
// `owner_certificate_pem` for `query`. InvalidArgument if the certificate does not parse.
absl::StatusOr<std::unique_ptr<Target>> MakeSecuredTarget(kj::AsyncIoContext& io,
                                                          const ParticipantIdentity& me,
                                                          absl::string_view owner_certificate_pem,
                                                          std::string endpoint, Query query);
std::unique_ptr<Target> MakeClearTarget(kj::AsyncIoContext& io, std::string endpoint, Query query);

}  // namespace cairn

#endif  // CAIRN_TOOLS_BENCH_PARTNER_TARGETS_H_
