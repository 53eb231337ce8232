#include "storage/database.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"

namespace cairn {
namespace {

constexpr absl::string_view kFamilyNames[kFamilyCount] = {
    "meta", "records", "rollups", "partners", "policy", "ledger", "audit", "nonces", "federation",
};

// Options of every column family: shared block cache with index and filter blocks charged to
// it, bloom filters for point lookups (overwrite detection, nonces), LZ4 compression.
rocksdb::ColumnFamilyOptions FamilyOptions(const Database::Options& options,
                                           const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.optimize_filters_for_memory = true;
  table.block_size = 16 << 10;  // raw scans dominate reads; fewer, larger blocks

  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.write_buffer_size = options.write_buffer_bytes;
  cf.max_write_buffer_number = std::max(options.max_write_buffers, 2);
  cf.compression = rocksdb::kLZ4Compression;
  cf.level_compaction_dynamic_level_bytes = true;
  return cf;
}

absl::Status OpenError(const rocksdb::Status& s, const std::string& path) {
  if (s.IsIOError() && absl::StrContains(absl::AsciiStrToLower(s.ToString()), "lock")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database ", path,
        " is already open by another process (or another handle in this one): ", s.ToString()));
  }
  return FromRocks(s, absl::StrCat("opening database ", path));
}

}  // namespace

absl::string_view FamilyName(Family f) { return kFamilyNames[static_cast<int>(f)]; }

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(context, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  return absl::InternalError(message);
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const Options& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("database path is empty");
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create database directory ", options.path, ": ", ec.message()));
  }

  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  db_options.max_open_files = options.max_open_files;
  db_options.keep_log_file_num = 3;
  db_options.max_log_file_size = 8 << 20;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // One memtable budget for all families together.
  db_options.db_write_buffer_size =
      options.write_buffer_bytes * static_cast<size_t>(std::max(options.max_write_buffers, 1));

  rocksdb::ColumnFamilyOptions cf_options = FamilyOptions(options, cache);
  std::vector<std::string> existing;
  rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing);
  if (!listed.ok()) existing.clear();  // a new database: only "default" so far

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (absl::string_view name : kFamilyNames) {
    descriptors.emplace_back(std::string(name), cf_options);
  }
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (const std::string& name : existing) {
    bool known = std::any_of(descriptors.begin(), descriptors.end(),
                             [&](const auto& d) { return d.name == name; });
    if (!known) descriptors.emplace_back(name, cf_options);  // written by a newer version
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!s.ok()) return OpenError(s, options.path);

  std::unique_ptr<Database> db(new Database());
  db->options_ = options;
  db->db_.reset(raw);
  db->handles_.assign(handles.begin(), handles.begin() + kFamilyCount);
  db->other_handles_.assign(handles.begin() + kFamilyCount, handles.end());
  return db;
}

Database::~Database() {
  if (db_ == nullptr) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  for (auto* h : other_handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close().PermitUncheckedError();
  db_.reset();
}

absl::Status Database::Write(rocksdb::WriteBatch* batch) {
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  uint64_t before;
  {
    absl::MutexLock lock(&sync_mu_);
    before = deferred_;
  }
  absl::Status s =
      FromRocks(db_->Write(write_options, batch), absl::StrCat("writing to ", options_.path));
  if (s.ok() && options_.sync) {
    // The WAL is one sequence: syncing this write synced every deferred one before it.
    absl::MutexLock lock(&sync_mu_);
    synced_ = std::max(synced_, before);
  }
  return s;
}

absl::Status Database::WriteDeferred(rocksdb::WriteBatch* batch) {
  rocksdb::WriteOptions write_options;
  write_options.sync = false;
  absl::Status s =
      FromRocks(db_->Write(write_options, batch), absl::StrCat("writing to ", options_.path));
  if (s.ok()) {
    absl::MutexLock lock(&sync_mu_);
    ++deferred_;
  }
  return s;
}

absl::Status Database::SyncDeferred() {
  uint64_t target;
  {
    absl::MutexLock lock(&sync_mu_);
    if (!options_.sync || synced_ >= deferred_) return absl::OkStatus();
    target = deferred_;
  }
  CAIRN_RETURN_IF_ERROR(
      FromRocks(db_->SyncWAL(), absl::StrCat("syncing the log of ", options_.path)));
  absl::MutexLock lock(&sync_mu_);
  synced_ = std::max(synced_, target);
  ++syncs_;
  return absl::OkStatus();
}

absl::Status Database::Resume() {
  rocksdb::Status s = db_->Resume();
  if (s.ok() || s.IsNotSupported()) return absl::OkStatus();
  return FromRocks(s, absl::StrCat("resuming writes to ", options_.path));
}

uint64_t Database::deferred_syncs() const {
  absl::MutexLock lock(&sync_mu_);
  return syncs_;
}

uint64_t Database::DiskBytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(options_.path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      uint64_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

}  // namespace cairn
