// Open files: how cairnd shares its descriptors between the store and the partner port.
//
// Every partner connection and every pending TLS handshake holds a descriptor, and so does
// every table file RocksDB keeps open. If connections took them all, the store could not open
// a table or write a new one: a failed query at best, a store that stops writing at worst. So
// at start cairnd raises its soft RLIMIT_NOFILE to the hard limit and plans: a fixed reserve
// for everything else (admin connections, outbound connections to partners, the store's log
// and manifest, the event loop), one descriptor per connection and pending handshake the
// config allows, and the rest for table files (at most kMaxStoreFiles). If the limit is too
// low for the configured connections, the connection limits are lowered so that the store
// keeps at least kMinStoreFiles, and the plan says so (the daemon logs it as a warning).
// Should descriptors run out anyway, the listeners back off and retry (daemon/acceptor.h).
// Pure functions; thread-safe.
#ifndef CAIRN_DAEMON_OPEN_FILES_H_
#define CAIRN_DAEMON_OPEN_FILES_H_

#include <cstdint>
#include <string>

namespace cairn {

// Descriptors for everything but partner connections and table files.
inline constexpr int64_t kReservedDescriptors = 128;
// Table files the store keeps open at least, and at most (a store of 4096 tables of 64 MiB
// holds 256 GiB; beyond that tables are reopened as needed).
inline constexpr int64_t kMinStoreFiles = 64;
inline constexpr int64_t kMaxStoreFiles = 4096;

struct OpenFilePlan {
  int64_t limit = 0;        // the soft RLIMIT_NOFILE in force
  int64_t store_files = 0;  // RocksDB's max_open_files
  int64_t max_connections = 0;
  int64_t max_pending_handshakes = 0;
  std::string warning;  // why the connection limits were lowered; empty if they were not
};

// Raises this process's soft open-file limit to its hard limit (as far as the kernel allows)
// and returns the soft limit in force afterwards.
int64_t RaiseOpenFileLimit();

// Shares `limit` descriptors between the store and the configured connection limits.
OpenFilePlan PlanOpenFiles(int64_t limit, int64_t max_connections, int64_t max_pending_handshakes);

}  // namespace cairn

#endif  // CAIRN_DAEMON_OPEN_FILES_H_
