// Acceptor: takes connections from a listening socket until cancelled, and hands each to its
// owner. Used by both of cairnd's listeners (the partner port and the admin socket).
//
// A failed accept is never fatal. The kernel refuses one when the process is out of
// descriptors (EMFILE) or the system is (ENFILE), when memory is short, and for other
// passing reasons; the connection stays in the listen backlog. The acceptor logs the failure
// (at most one line per 10 s, with how many it held back) and tries again after a pause that
// starts at 10 ms and doubles up to 1 s while failures repeat, so that it neither spins on a
// socket that stays readable nor waits long once descriptors are free again.
//
// Under a flood the backlog never empties and every accept succeeds at once; each next accept
// is queued behind the events already waiting, so the partners' own traffic keeps its turn
// (the daemon's wait scope also polls for I/O every few events; see Daemon::Serve).
// Runs on the event loop thread that owns the receiver and the timer.
#ifndef CAIRN_DAEMON_ACCEPTOR_H_
#define CAIRN_DAEMON_ACCEPTOR_H_

#include <kj/async-io.h>
#include <kj/function.h>
#include <kj/timer.h>

#include <string>

#include "daemon/log_throttle.h"

namespace cairn {

class Acceptor {
 public:
  using Admit = kj::Function<void(kj::AuthenticatedStream)>;

  // `what` names the listener in the log ("partner connections"). Neither the receiver nor
  // the timer may be destroyed before the promise Run() returns.
  Acceptor(kj::ConnectionReceiver& receiver, kj::Timer& timer, std::string what, Admit admit)
      : receiver_(receiver), timer_(timer), what_(std::move(what)), admit_(kj::mv(admit)) {}

  // Accepts until the promise is destroyed; never resolves or rejects by itself.
  kj::Promise<void> Run();

  static constexpr kj::Duration kFirstPause = 10 * kj::MILLISECONDS;
  static constexpr kj::Duration kLongestPause = 1 * kj::SECONDS;

 private:
  kj::ConnectionReceiver& receiver_;
  kj::Timer& timer_;
  const std::string what_;
  Admit admit_;
  kj::Duration pause_ = kFirstPause;
  LogThrottle failures_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_ACCEPTOR_H_
