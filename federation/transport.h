// How a requester reaches the members of a round: an abstract transport. The daemon implements
// it over Cap'n Proto RPC (protocol/federation.capnp's Federation interface, one call per
// FederationCall, over mutual TLS to the roster's endpoints); in_memory_transport.h implements
// it in one process for tests and the bench.
//
// Requests and replies are the encoded messages of messages.h, which the transport carries as
// opaque bytes: it needs to understand none of them, and every check is end to end.
#ifndef CAIRN_FEDERATION_TRANSPORT_H_
#define CAIRN_FEDERATION_TRANSPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/public_key.h"

namespace cairn {

enum class FederationCall {
  kPropose,   // Signed(Proposal) -> Signed(Commitment)
  kAnnounce,  // Signed(Announcement) -> Signed(Contribution, counts)
  kValues,    // ValuesRequest -> Signed(Contribution, values)
};
absl::string_view FederationCallName(FederationCall call);  // "propose", "announce", "values"

class FederationTransport {
 public:
  virtual ~FederationTransport() = default;

  // Sends `request` to each of `members` and returns the replies in the order of `members`.
  // A member's slot holds its reply, or the error it answered with, or Unavailable /
  // DeadlineExceeded if it could not be reached or did not answer in time. Returns once every
  // member has answered or failed; implementations may call the members concurrently.
  // Thread-safety is the implementation's to state.
  virtual std::vector<absl::StatusOr<std::string>> Broadcast(FederationCall call,
                                                             absl::Span<const PublicKey> members,
                                                             absl::string_view request) = 0;
};

}  // namespace cairn

#endif  // CAIRN_FEDERATION_TRANSPORT_H_
