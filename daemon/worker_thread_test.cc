#include "daemon/worker_thread.h"

#include <gtest/gtest.h>
#include <kj/async-io.h>
#include <kj/vector.h>

#include <thread>

#include "protocol/rpc_status.h"

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

// Holds a worker busy until Open(): what a slow store looks like to the queue behind it.
class Gate {
 public:
  void Wait() {
    auto lock = open_.lockExclusive();
    lock.wait([](bool open) { return open; });
  }
  void Open() { *open_.lockExclusive() = true; }

 private:
  kj::MutexGuarded<bool> open_{false};
};

absl::StatusCode CodeOf(kj::Promise<void>& p, kj::WaitScope& ws) {
  absl::StatusCode code = absl::StatusCode::kOk;
  p.then([] {}, [&code](kj::Exception&& e) { code = ExceptionToStatus(e).code(); }).wait(ws);
  return code;
}

TEST(WorkerThread, AFullQueueRefusesAtOnceAndRunsEveryCallItAccepted) {
  kj::EventLoop loop;
  kj::WaitScope ws(loop);
  WorkerThread worker("writer thread", 3);
  Gate gate;
  std::vector<int> ran;  // touched only by the worker thread while calls are pending
  kj::Vector<kj::Promise<void>> accepted;
  accepted.add(worker.Run([&gate, &ran] {
    gate.Wait();
    ran.push_back(0);
  }));
  for (int i = 1; i < 3; ++i) accepted.add(worker.Run([&ran, i] { ran.push_back(i); }));
  auto refused = worker.Run([&ran] { ran.push_back(99); });
  EXPECT_TRUE(refused.poll(ws)) << "a refusal must not wait";
  EXPECT_EQ(CodeOf(refused, ws), absl::StatusCode::kResourceExhausted);
  EXPECT_ANY_THROW(worker.RunSync([] {}));

  gate.Open();
  kj::joinPromises(accepted.releaseAsArray()).wait(ws);
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(worker.pending(), 0);
  worker.Run([] {}).wait(ws);  // room again
}

TEST(WorkerThread, TheRefusalSaysWhichWorkerIsFull) {
  kj::EventLoop loop;
  kj::WaitScope ws(loop);
  WorkerThread worker("writer thread", 1);
  Gate gate;
  auto busy = worker.Run([&gate] { gate.Wait(); });
  std::string message;
  worker.Run([] {})
      .then(
          [] {},
          [&message](kj::Exception&& e) { message = std::string(ExceptionToStatus(e).message()); })
      .wait(ws);
  EXPECT_NE(message.find("writer thread"), std::string::npos) << message;
  gate.Open();
  busy.wait(ws);
}

TEST(WorkerPool, RefusesOnlyWhenEveryWorkerIsFull) {
  kj::EventLoop loop;
  kj::WaitScope ws(loop);
  WorkerPool pool(2, 1);
  Gate gate;
  auto first = pool.Run([&gate] { gate.Wait(); });
  auto second = pool.Run([&gate] { gate.Wait(); });
  EXPECT_EQ(pool.pending(), 2);
  auto third = pool.Run([] {});
  EXPECT_EQ(CodeOf(third, ws), absl::StatusCode::kResourceExhausted);
  gate.Open();
  first.wait(ws);
  second.wait(ws);
  pool.Run([] {}).wait(ws);
}

}  // namespace
}  // namespace cairn
