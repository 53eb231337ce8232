#include "daemon/worker_thread.h"

#include <gtest/gtest.h>
#include <kj/async-io.h>
#include <kj/vector.h>

#include <thread>

namespace cairn {
namespace {

TEST(WorkerThread, RunsOnAnotherThreadAndReturnsTheResult) {
  kj::EventLoop loop;
  kj::WaitScope ws(loop);
  WorkerThread worker;
  std::thread::id caller = std::this_thread::get_id();
  bool other_thread =
      worker.Run([caller] { return std::this_thread::get_id() != caller; }).wait(ws);
  EXPECT_TRUE(other_thread);
}

TEST(WorkerThread, RunsCallsInOrderOneAtATime) {
  kj::EventLoop loop;
  kj::WaitScope ws(loop);
  WorkerThread worker;
  std::vector<int> order;  // touched only by the worker thread while calls are pending
  kj::Vector<kj::Promise<void>> calls;
  for (int i = 0; i < 50; ++i) calls.add(worker.Run([&order, i] { order.push_back(i); }));
  kj::joinPromises(calls.releaseAsArray()).wait(ws);
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(worker.pending(), 0);
}

TEST(WorkerThread, ExceptionsReachTheCaller) {
  kj::EventLoop loop;
  kj::WaitScope ws(loop);
  WorkerThread worker;
  auto promise = worker.Run([]() -> int { KJ_FAIL_ASSERT("boom"); });
  EXPECT_ANY_THROW(promise.wait(ws));
}

TEST(WorkerThread, RunSyncBlocksAnotherWorkerUntilTheResultIsBack) {
  kj::EventLoop loop;
  kj::WaitScope ws(loop);
  WorkerThread writer;
  WorkerThread reader;
  std::thread::id writer_id = writer.Run([] { return std::this_thread::get_id(); }).wait(ws);
  // A reader's blocking work asks the writer and uses the answer at once.
  auto ran_on =
      reader.Run([&writer] { return writer.RunSync([] { return std::this_thread::get_id(); }); });
  EXPECT_EQ(ran_on.wait(ws), writer_id);
  EXPECT_EQ(writer.pending(), 0);
}

TEST(WorkerPool, SpreadsWork) {
  kj::EventLoop loop;
  kj::WaitScope ws(loop);
  WorkerPool pool(2);
  std::atomic<int> sum{0};
  kj::Vector<kj::Promise<void>> calls;
  for (int i = 1; i <= 100; ++i) calls.add(pool.Run([&sum, i] { sum += i; }));
  kj::joinPromises(calls.releaseAsArray()).wait(ws);
  EXPECT_EQ(sum.load(), 5050);
}

}  // namespace
}  // namespace cairn
