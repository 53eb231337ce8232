#include "daemon/release/release_pipeline.h"

#include "absl/strings/str_cat.h"
#include "daemon/failpoint.h"
#include "protocol/rpc_status.h"

namespace cairn {
namespace {

struct StepInfo {
  const char* name;
  bool writer;          // must run on the writer thread
  bool audits_failure;  // a failure here is audited by ReleaseSteps::Failed
};

// The steps, in order (release_pipeline.h).
constexpr StepInfo kSteps[] = {
    {"open", false, true},   {"decide", true, false}, {"prepare", false, true},
    {"commit", true, false}, {"sync", true, false},   {"attest", false, false},
};
constexpr size_t kStepCount = sizeof(kSteps) / sizeof(kSteps[0]);

// Tests: every step that may move to a reader does, as under load.
bool AlwaysPipelined() { return FailpointActive("pipeline-always"); }

// A step that could not be handed to its thread: the worker's queue was full
// (RESOURCE_EXHAUSTED) or the daemon is stopping.
absl::Status Interrupted(const kj::Exception& e) { return ExceptionToStatus(e); }

}  // namespace

absl::Status ReleasePipeline::RunStep(size_t step, ReleaseSteps& release) {
  switch (step) {
    case 0:
      return release.Open();
    case 1:
      return release.Decide(*gate_);
    case 2:
      return release.Prepare();
    case 3:
      return release.Commit(*gate_);
    case 4:
      return audit_->Sync();
    case 5:
      return release.Attest();
  }
  return absl::InternalError(absl::StrCat("release step ", step, " does not exist"));
}

bool ReleasePipeline::MayContinue(Where where, size_t step) const {
  const bool needs_writer = kSteps[step].writer;
  if (where == Where::kReader) return !needs_writer;
  if (!needs_writer && AlwaysPipelined()) return false;
  return writer_->pending() <= 1;  // only this task: nobody waits for the writer
}

ReleasePipeline::Progress ReleasePipeline::RunHere(Where where, size_t next,
                                                   ReleaseSteps& release) {
  Progress p{next, absl::OkStatus()};
  while (true) {
    p.status = RunStep(p.next, release);
    if (!p.status.ok()) {
      if (where == Where::kWriter && kSteps[p.next].audits_failure) {
        release.Failed(*gate_, p.status);
        p.next = kStepCount;  // audited: nothing left to do
      }
      return p;
    }
    if (++p.next == kStepCount || !MayContinue(where, p.next)) return p;
  }
}

kj::Promise<absl::Status> ReleasePipeline::Run(std::shared_ptr<ReleaseSteps> release) {
  const Where start =
      writer_->pending() == 0 && !AlwaysPipelined() ? Where::kWriter : Where::kReader;
  auto task = [this, release, start] { return RunHere(start, 0, *release); };
  kj::Promise<Progress> first =
      start == Where::kWriter ? writer_->Run(kj::mv(task)) : readers_->Run(kj::mv(task));
  return first.then([this, release](Progress p) { return Continue(release, std::move(p)); },
                    [](kj::Exception&& e) -> kj::Promise<absl::Status> { return Interrupted(e); });
}

kj::Promise<absl::Status> ReleasePipeline::Continue(std::shared_ptr<ReleaseSteps> release,
                                                    Progress p) {
  if (!p.status.ok()) {
    if (p.next < kStepCount && kSteps[p.next].audits_failure) {
      absl::Status why = p.status;
      return writer_->Run([this, release, why] { release->Failed(*gate_, why); }).then([why] {
        return why;
      });
    }
    return p.status;
  }
  if (p.next == kStepCount) return absl::OkStatus();
  const Where where = kSteps[p.next].writer ? Where::kWriter : Where::kReader;
  auto task = [this, release, where, next = p.next] { return RunHere(where, next, *release); };
  kj::Promise<Progress> step =
      where == Where::kWriter ? writer_->Run(kj::mv(task)) : readers_->Run(kj::mv(task));
  return step.then([this, release](Progress next) { return Continue(release, std::move(next)); },
                   [](kj::Exception&& e) -> kj::Promise<absl::Status> { return Interrupted(e); });
}

absl::Status ReleasePipeline::RunBlocking(ReleaseSteps& release) {
  size_t next = 0;
  while (next < kStepCount) {
    if (!kSteps[next].writer) {
      absl::Status s = RunStep(next, release);
      if (!s.ok()) {
        if (kSteps[next].audits_failure) {
          KJ_IF_MAYBE (e, kj::runCatchingExceptions(
                              [&] { writer_->RunSync([&] { release.Failed(*gate_, s); }); })) {
            return Interrupted(*e);
          }
        }
        return s;
      }
      ++next;
      continue;
    }
    Progress p;
    KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                   p = writer_->RunSync([&] { return RunHere(Where::kWriter, next, release); });
                 })) {
      return Interrupted(*e);
    }
    if (!p.status.ok()) return p.status;
    next = p.next;
  }
  return absl::OkStatus();
}

}  // namespace cairn
