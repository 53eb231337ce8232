// absl::Status <-> kj::Exception at the RPC boundary.
//
// A server turns a failed absl::Status into a kj::Exception whose description is
// "CODE: message" (e.g. "INVALID_ARGUMENT: unknown metric 'x'"); the client side turns the
// remote exception back into an absl::Status with the same code and message, so callers
// print exactly what the daemon said. Stateless; thread-safe.
#ifndef CAIRN_PROTOCOL_RPC_STATUS_H_
#define CAIRN_PROTOCOL_RPC_STATUS_H_

#include <kj/exception.h>

#include "absl/status/status.h"

namespace cairn {

kj::Exception StatusToException(const absl::Status& status);
absl::Status ExceptionToStatus(const kj::Exception& exception);

// Throws StatusToException(status) unless it is OK. For use inside RPC method bodies.
void ThrowIfError(const absl::Status& status);

}  // namespace cairn

#endif  // CAIRN_PROTOCOL_RPC_STATUS_H_
