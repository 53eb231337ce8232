// RawClient: a hand-driven partner holding a data dir's key, for tests that send what a
// hostile, buggy or merely busy partner can send, and time the answers.
//
// It runs its own kj event loop: use one RawClient per thread.
#ifndef CAIRN_TESTS_INTEGRATION_RAW_CLIENT_H_
#define CAIRN_TESTS_INTEGRATION_RAW_CLIENT_H_

#include <kj/async-io.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/tls.h"
#include "base/clock.h"
#include "participant/participant_identity.h"
#include "daemon/peer_client.h"
#include "protocol/signed_envelope.h"

namespace cairn::testing {

class RawClient {
 public:
  // Acts as the participant of `my_dir` towards the daemon of `server_dir`.
  RawClient(const std::string& my_dir, const std::string& server_dir);

  // A mutual-TLS connection to `endpoint`, or the error that prevented it.
  absl::StatusOr<kj::Own<PeerConnection>> Connect(const std::string& endpoint);
  // A signed request for co2e_scope1 grouped by product, made at `at`.
  SignedBytes Sign(Timestamp at = SystemClock().Now());
  // Sends `request` and waits for the sealed answer or the refusal.
  absl::StatusOr<std::string> Send(PeerConnection& c, const SignedBytes& request);
  // Runs the event loop for `ms` milliseconds.
  void Pump(int ms);

  kj::AsyncIoContext& io() { return io_; }
  const ParticipantIdentity& me() const { return me_; }
  const ParticipantIdentity& server() const { return *server_; }

 private:
  kj::AsyncIoContext io_;
  ParticipantIdentity me_;
  std::optional<ParticipantIdentity> server_;
  std::shared_ptr<MutualTls> tls_;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_INTEGRATION_RAW_CLIENT_H_
