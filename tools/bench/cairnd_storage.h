// The RocksDB options cairnd opens its store with, for benchmark programs that must open a
// database exactly as cairnd would (the bare WriteBatch peer, the raw-scan reader).
//
// Mirrors Daemon::Open: [storage] block_cache_mb, write_buffer_mb and sync from cairnd.toml,
// everything else as Database::Options and storage/database.cc set it. Thread-safe.
#ifndef CAIRN_TOOLS_BENCH_CAIRND_STORAGE_H_
#define CAIRN_TOOLS_BENCH_CAIRND_STORAGE_H_

#include <string>

#include "absl/status/statusor.h"
#include "storage/database.h"

namespace cairn {

// Options for a database at `db_path` configured by the cairnd.toml at `config_path` (empty:
// the defaults). NotFound / InvalidArgument as LoadConfig reports them.
absl::StatusOr<Database::Options> CairndDatabaseOptions(const std::string& config_path,
                                                        const std::string& db_path);

}  // namespace cairn

#endif  // CAIRN_TOOLS_BENCH_CAIRND_STORAGE_H_
