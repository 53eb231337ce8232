#include "daemon/acceptor.h"

#include "base/logging.h"

namespace cairn {

kj::Promise<void> Acceptor::Run() {
  // kj reports some accept failures by throwing at once rather than through the promise.
  return kj::evalNow([this] { return receiver_.acceptAuthenticated(); })
      .then(
          [this](kj::AuthenticatedStream stream) -> kj::Promise<void> {
            pause_ = kFirstPause;
            admit_(kj::mv(stream));
            // While the backlog is full, accept() succeeds at once every time: queue the next one
            // behind the events already waiting (a partner's query), not ahead of them.
            return kj::evalLater([this] { return Run(); });
          },
          [this](kj::Exception&& e) -> kj::Promise<void> {
            kj::Duration pause = pause_;
            pause_ = kj::min(pause_ * 2, kLongestPause);
            if (int64_t n = failures_.Count()) {
              CAIRN_LOG_WARNING("cannot accept ", what_, ": ", e.getDescription().cStr(), " (", n,
                                n == 1 ? " failure" : " failures since the last such line",
                                "); retrying in ", pause / kj::MILLISECONDS, " ms");
            }
            return timer_.afterDelay(pause).then([this] { return Run(); });
          });
}

}  // namespace cairn
