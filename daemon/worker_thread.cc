#include "daemon/worker_thread.h"

namespace cairn {

WorkerThread::WorkerThread() {
  kj::MutexGuarded<kj::Maybe<kj::Own<const kj::Executor>>> ready;
  thread_ = kj::heap<kj::Thread>([this, &ready] {
    kj::EventLoop loop;
    kj::WaitScope wait_scope(loop);
    auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
    *stop_.lockExclusive() = kj::mv(paf.fulfiller);
    *ready.lockExclusive() = kj::getCurrentThreadExecutor().addRef();
    paf.promise.wait(wait_scope);
  });
  auto lock = ready.lockExclusive();
  lock.wait([](const kj::Maybe<kj::Own<const kj::Executor>>& e) { return e != nullptr; });
  KJ_IF_MAYBE (executor, *lock) {
    executor_ = kj::mv(*executor);
  }
}

WorkerThread::~WorkerThread() {
  {
    auto stop = stop_.lockExclusive();
    KJ_IF_MAYBE (fulfiller, *stop) {
      (*fulfiller)->fulfill();
    }
  }
  thread_ = nullptr;  // joins
}

WorkerPool::WorkerPool(int threads) {
  for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<WorkerThread>());
}

}  // namespace cairn
