// ReleasePipeline: the one path by which anything leaves this daemon for a partner.
//
// Every release — a partner's query, this daemon's figures in another member's federated
// round — passes the same steps in the same order, each on the thread it needs:
//
//   1. open     any thread   the request as the door received it, checked (an envelope's
//                            signature, its addressee, its freshness)
//   2. decide   writer       ReleaseGate: replay, policy, budget; refusals audited
//   3. prepare  any thread   the answer as the grant allows it (exact, withheld, noisy)
//   4. commit   writer       ReleaseGate: ONE write of nonce, audit entry, debit, released
//                            answer, guard memory (not yet waiting for the disk)
//   5. sync     writer       AuditWriter::Sync: the commit is durable; commits queued behind
//                            one another share one fsync (group commit)
//   6. attest   any thread   the answer signed by this daemon, with its audit receipt, and
//                            sealed to the requester
//
// What a step does is the ReleaseSteps subclass a door gives it; when and where it runs is the
// pipeline's, written once here. One rule schedules every step: it runs in the task of the
// step before if that thread may run it and nobody else waits for that thread; otherwise it
// moves to the writer (writer steps) or to a reader (the others). So when the writer is idle
// a request is answered in one writer task, without a thread hop; under load the writer does
// only the serial steps, and a sync with commits queued behind it waits for them. A failure
// in open or prepare is audited (ReleaseSteps::Failed, on the writer); refusals in decide and
// commit were audited by the gate.
//
// Run() is called on the daemon's event loop thread and resolves there. RunBlocking() is for a
// caller already on a reader thread (a federation member): the same steps, the writer's run
// through WorkerThread::RunSync.
#ifndef CAIRN_DAEMON_RELEASE_RELEASE_PIPELINE_H_
#define CAIRN_DAEMON_RELEASE_RELEASE_PIPELINE_H_

#include <kj/async.h>

#include <memory>

#include "absl/status/status.h"
#include "daemon/release/audit_writer.h"
#include "daemon/release/release_gate.h"
#include "daemon/worker_thread.h"

namespace cairn {

// What one release does at each step; a door subclasses it. The default steps do nothing.
// The pipeline calls each at most once, in order, never two at a time.
class ReleaseSteps {
 public:
  virtual ~ReleaseSteps() = default;
  virtual absl::Status Open() { return absl::OkStatus(); }
  virtual absl::Status Decide(ReleaseGate& gate) { return absl::OkStatus(); }
  virtual absl::Status Prepare() { return absl::OkStatus(); }
  virtual absl::Status Commit(ReleaseGate& gate) = 0;
  virtual absl::Status Attest() { return absl::OkStatus(); }
  // Audits a failure of open or prepare ("failed"). Writer thread.
  virtual void Failed(ReleaseGate& gate, const absl::Status& why) {}
};

class ReleasePipeline {
 public:
  // All must outlive the pipeline.
  ReleasePipeline(WorkerThread* writer, WorkerPool* readers, ReleaseGate* gate, AuditWriter* audit)
      : writer_(writer), readers_(readers), gate_(gate), audit_(audit) {}

  // Runs every step of `release`; resolves to OK once attested, or to the first error.
  kj::Promise<absl::Status> Run(std::shared_ptr<ReleaseSteps> release);
  // The same, blocking the calling thread, which must not be the writer.
  absl::Status RunBlocking(ReleaseSteps& release);

  enum class Where { kWriter, kReader };
  struct Progress {
    size_t next = 0;  // the first step not run yet
    absl::Status status;
  };

 private:
  kj::Promise<absl::Status> Continue(std::shared_ptr<ReleaseSteps> release, Progress progress);
  // Runs steps from `next` on, here, while the scheduling rule allows.
  Progress RunHere(Where where, size_t next, ReleaseSteps& release);
  absl::Status RunStep(size_t step, ReleaseSteps& release);
  bool MayContinue(Where where, size_t step) const;

  WorkerThread* writer_;
  WorkerPool* readers_;
  ReleaseGate* gate_;
  AuditWriter* audit_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_RELEASE_RELEASE_PIPELINE_H_
