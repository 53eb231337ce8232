// WorkerThread / WorkerPool: where the daemon's event loop sends blocking work.
//
// The RPC side runs on one KJ event loop; RocksDB writes and scans block, so they run on
// worker threads, each with its own event loop, and come back to the caller's loop as promises
// (kj::Executor::executeAsync). Calls to one WorkerThread run one at a time in the order they
// were made: the import writer is a single WorkerThread, which is what makes it the store's
// single writer. Run() may be called from the thread that created the worker; the functor
// must be safe to run on another thread (capture values, not capnp readers).
#ifndef CAIRN_DAEMON_WORKER_THREAD_H_
#define CAIRN_DAEMON_WORKER_THREAD_H_

#include <kj/async.h>
#include <kj/mutex.h>
#include <kj/thread.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace cairn {

class WorkerThread {
 public:
  WorkerThread();
  // Lets the function running now finish, cancels queued ones, and joins the thread.
  ~WorkerThread();

  template <typename Func>
  kj::PromiseForResult<Func, void> Run(Func&& func) {
    pending_.fetch_add(1, std::memory_order_relaxed);
    return executor_->executeAsync(kj::fwd<Func>(func)).attach(kj::defer([this] {
      pending_.fetch_sub(1, std::memory_order_relaxed);
    }));
  }

  // Runs `func` on this worker and blocks the calling thread (which must not be this worker's)
  // until it returns, with its result; for a thread that is running blocking work already (a
  // federation member calling its steward). Throws kj::Exception if the worker stops first.
  // The worker must never wait for the calling thread in turn: that would deadlock.
  template <typename Func>
  auto RunSync(Func&& func) {
    pending_.fetch_add(1, std::memory_order_relaxed);
    KJ_DEFER(pending_.fetch_sub(1, std::memory_order_relaxed));
    return executor_->executeSync(kj::fwd<Func>(func));
  }

  // Calls queued or running on this worker.
  int pending() const { return pending_.load(std::memory_order_relaxed); }

 private:
  kj::MutexGuarded<kj::Maybe<kj::Own<kj::CrossThreadPromiseFulfiller<void>>>> stop_;
  kj::Own<const kj::Executor> executor_;
  std::atomic<int> pending_{0};
  kj::Own<kj::Thread> thread_;
};

// Spreads calls over `threads` workers, each call to the least busy one.
class WorkerPool {
 public:
  explicit WorkerPool(int threads);

  template <typename Func>
  kj::PromiseForResult<Func, void> Run(Func&& func) {
    WorkerThread* best = workers_[0].get();
    for (auto& w : workers_) {
      if (w->pending() < best->pending()) best = w.get();
    }
    return best->Run(kj::fwd<Func>(func));
  }

 private:
  std::vector<std::unique_ptr<WorkerThread>> workers_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_WORKER_THREAD_H_
