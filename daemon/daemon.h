// Daemon: one participant's cairnd — the data dir, its store, and the services on top.
//
// Open() takes the data-dir lock, reads the config and opens the store; Serve() runs the event
// loop (admin socket now, partner TLS listener later) until SIGTERM or SIGINT, then shuts
// down cleanly: it stops accepting, lets the import batch being written finish (an
// acknowledged batch is always durable), closes the store and removes the socket.
// A Daemon lives on one thread; the caller must have captured SIGTERM/SIGINT with
// kj::UnixEventPort::captureSignal before Open() starts any thread.
#ifndef CAIRN_DAEMON_DAEMON_H_
#define CAIRN_DAEMON_DAEMON_H_

#include <kj/async-io.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "daemon/release/release_path.h"
#include "daemon/release/release_pipeline.h"
#include "daemon/service_context.h"
#include "daemon/worker_thread.h"
#include "participant/config.h"
#include "participant/data_dir.h"
#include "participant/participant_identity.h"
#include "storage/consortium_store.h"
#include "storage/database.h"
#include "storage/nonce_store.h"
#include "storage/partner_store.h"
#include "storage/record_store.h"

namespace cairn {

class Daemon {
 public:
  // NotFound if DIR has no config ("run cairnctl init"); InvalidArgument for a bad config;
  // FailedPrecondition if another cairnd holds the dir; identity and storage errors as
  // reported by their loaders.
  static absl::StatusOr<std::unique_ptr<Daemon>> Open(const std::string& data_dir);
  ~Daemon();

  // Serves until a captured SIGTERM/SIGINT arrives or `stop` resolves. OK on clean shutdown.
  absl::Status Serve(kj::AsyncIoContext& io, kj::Promise<void> stop = kj::NEVER_DONE);

  const Config& config() const { return config_; }

 private:
  Daemon(DataDir dir, Config config) : dir_(std::move(dir)), config_(std::move(config)) {}

  DataDir dir_;
  Config config_;
  std::unique_ptr<DataDirLock> lock_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<RecordStore> store_;
  std::unique_ptr<PartnerStore> partners_;
  std::unique_ptr<NonceStore> nonces_;
  std::unique_ptr<ConsortiumStore> consortia_;
  std::unique_ptr<ParticipantIdentity> identity_;
  SystemClock clock_;
  ReleasePath release_;  // the one release path (daemon/release/)
  std::unique_ptr<WorkerThread> writer_;
  std::unique_ptr<WorkerPool> readers_;
  std::unique_ptr<ReleasePipeline> pipeline_;
  ServiceContext context_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_DAEMON_H_
