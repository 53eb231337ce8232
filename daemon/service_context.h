// ServiceContext: what the daemon's RPC services share — the store and the threads that may
// touch it. Owned by Daemon; services hold a reference and never outlive it.
//
// Threading: fields are set once at start. `writer` is the store's single writer thread
// (imports, metric registration); `readers` run queries and scans. The store's read side is
// thread-safe; its write side is only ever called from `writer`.
#ifndef CAIRN_DAEMON_SERVICE_CONTEXT_H_
#define CAIRN_DAEMON_SERVICE_CONTEXT_H_

#include <chrono>
#include <string>

#include "base/clock.h"
#include "base/version.h"
#include "daemon/worker_thread.h"
#include "participant/config.h"
#include "participant/data_dir.h"
#include "storage/database.h"
#include "storage/record_store.h"

namespace cairn {

struct ServiceContext {
  const Clock* clock;  // every part of the daemon reads the time here
  const Config* config;
  const DataDir* data_dir;
  Database* database;
  RecordStore* store;
  WorkerThread* writer;
  WorkerPool* readers;
  std::chrono::steady_clock::time_point started;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_SERVICE_CONTEXT_H_
