// WorkerThread / WorkerPool: where the daemon's event loop sends blocking work.
//
// The RPC side runs on one KJ event loop; RocksDB writes and scans block, so they run on
// worker threads, each with its own event loop, and come back to the caller's loop as promises
// (kj::Executor::executeAsync). Calls to one WorkerThread run one at a time in the order they
// were made: the import writer is a single WorkerThread, which is what makes it the store's
// single writer. Run() may be called from the thread that created the worker; the functor
// must be safe to run on another thread (capture values, not capnp readers).
//
// Each worker holds at most `capacity` calls, queued or running. The capacity protects the
// daemon's memory (and the latency of what is queued) against callers that send work faster
// than it is done — a flood of partner queries: a call past it is refused at once with
// RESOURCE_EXHAUSTED, it never waits, so the event loop is never blocked. A call that was
// accepted is always run. Who may fill how much of a queue is the callers' business: the
// partner listener admits partners' calls into a share of it (partners.max_queued_calls), so that
// the rest stays for cairnctl and for the next steps of work already admitted.
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
  // `name` says which worker refused a call ("writer thread").
  explicit WorkerThread(std::string name = "worker thread", int capacity = kDefaultCapacity);
  // Lets the function running now finish, cancels queued ones, and joins the thread.
  ~WorkerThread();

  static constexpr int kDefaultCapacity = 1024;

  // Resolves to `func`'s result once it ran on this worker; rejects with RESOURCE_EXHAUSTED,
  // without running it, while `capacity` calls are pending.
  template <typename Func>
  kj::PromiseForResult<Func, void> Run(Func&& func) {
    if (!TryReserve()) return kj::PromiseForResult<Func, void>(Refusal());
    return executor_->executeAsync(kj::fwd<Func>(func)).attach(kj::defer([this] {
      pending_.fetch_sub(1, std::memory_order_relaxed);
    }));
  }

  // Runs `func` on this worker and blocks the calling thread (which must not be this worker's)
  // until it returns, with its result; for a thread that is running blocking work already (a
  // federation member calling its steward). Throws kj::Exception if the worker stops first, or
  // RESOURCE_EXHAUSTED (without running it) while `capacity` calls are pending.
  // The worker must never wait for the calling thread in turn: that would deadlock.
  template <typename Func>
  auto RunSync(Func&& func) {
    if (!TryReserve()) kj::throwFatalException(Refusal());
    KJ_DEFER(pending_.fetch_sub(1, std::memory_order_relaxed));
    return executor_->executeSync(kj::fwd<Func>(func));
  }

  // Calls queued or running on this worker, or finished but not yet collected by their
  // caller's event loop.
  int pending() const { return pending_.load(std::memory_order_relaxed); }
  int capacity() const { return capacity_; }

 private:
  // Takes a place for one call; false if all `capacity` are taken.
  bool TryReserve();
  kj::Exception Refusal() const;

  const std::string name_;
  const int capacity_;
  kj::MutexGuarded<kj::Maybe<kj::Own<kj::CrossThreadPromiseFulfiller<void>>>> stop_;
  kj::Own<const kj::Executor> executor_;
  std::atomic<int> pending_{0};
  kj::Own<kj::Thread> thread_;
};

// Spreads calls over `threads` workers of `capacity` each, each call to the least busy one; a
// call is refused when every worker is full.
class WorkerPool {
 public:
  explicit WorkerPool(int threads, int capacity = WorkerThread::kDefaultCapacity,
                      const std::string& name = "query thread");

  template <typename Func>
  kj::PromiseForResult<Func, void> Run(Func&& func) {
    WorkerThread* best = workers_[0].get();
    for (auto& w : workers_) {
      if (w->pending() < best->pending()) best = w.get();
    }
    return best->Run(kj::fwd<Func>(func));
  }

  // Calls pending on all workers together.
  int pending() const;

 private:
  std::vector<std::unique_ptr<WorkerThread>> workers_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_WORKER_THREAD_H_
