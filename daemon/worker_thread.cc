#include "daemon/worker_thread.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "protocol/rpc_status.h"

namespace cairn {

WorkerThread::WorkerThread(std::string name, int capacity)
    : name_(std::move(name)), capacity_(capacity) {
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

bool WorkerThread::TryReserve() {
  int n = pending_.load(std::memory_order_relaxed);
  do {
    if (n >= capacity_) return false;
  } while (!pending_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  return true;
}

kj::Exception WorkerThread::Refusal() const {
  return StatusToException(
      absl::ResourceExhaustedError(absl::StrCat("this daemon is overloaded: its ", name_, " has ",
                                                capacity_, " calls waiting; try again later")));
}

WorkerPool::WorkerPool(int threads, int capacity, const std::string& name) {
  for (int i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<WorkerThread>(name, capacity));
  }
}

int WorkerPool::pending() const {
  int n = 0;
  for (const auto& w : workers_) n += w->pending();
  return n;
}

}  // namespace cairn
