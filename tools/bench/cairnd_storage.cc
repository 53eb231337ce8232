#include "tools/bench/cairnd_storage.h"

#include "participant/config.h"

namespace cairn {

absl::StatusOr<Database::Options> CairndDatabaseOptions(const std::string& config_path,
                                                        const std::string& db_path) {
  Config config;
  if (!config_path.empty()) {
    absl::StatusOr<Config> loaded = LoadConfig(config_path);
    if (!loaded.ok()) return loaded.status();
    config = *std::move(loaded);
  }
  Database::Options options;
  options.path = db_path;
  options.block_cache_bytes = static_cast<size_t>(config.block_cache_mb) << 20;
  options.write_buffer_bytes = static_cast<size_t>(config.write_buffer_mb) << 20;
  options.sync = config.sync;
  return options;
}

}  // namespace cairn
