// Byte layouts of the record store's keys and values in RocksDB.
//
// Keys sort bytewise in the order scans need: a record key is
//   series_id (u32 big-endian) | timestamp (i64 big-endian, sign bit flipped)
// so one series' records are contiguous and in time order; a rollup key is
//   level (u8) | series_id | bucket_start (as above)
// so one level of one series is contiguous. A record's value is its double (8 bytes, little-
// endian IEEE 754); a rollup's value is count (u64 LE) | ExactSum (24 bytes) | min | max.
// Meta keys start with one letter naming their kind (see kMeta*). Pure functions; thread-safe.
#ifndef CAIRN_STORAGE_KEYS_H_
#define CAIRN_STORAGE_KEYS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "base/time.h"
#include "storage/rollup.h"

namespace cairn {

inline constexpr size_t kRecordKeySize = 12;
inline constexpr size_t kRollupKeySize = 13;
inline constexpr size_t kRecordValueSize = 8;
inline constexpr size_t kRollupValueSize = 8 + ExactSum::kEncodedSize + 8 + 8;

// Meta family keys.
inline constexpr char kMetaFormatVersion[] = "v";  // -> u64 LE
inline constexpr char kMetaRecordCount[] = "c";    // -> u64 LE
inline constexpr char kMetaSeriesPrefix = 's';     // 's' | id (u32 BE) -> SeriesKey::Encode()
inline constexpr char kMetaMetricPrefix = 'm';     // 'm' | name -> unit NUL description

inline constexpr uint32_t kFormatVersion = 1;

// Fixed-size encoders write into `out` (at least the key size); they return the bytes written.
size_t EncodeRecordKey(SeriesId id, Timestamp ts, char* out);
size_t EncodeRollupKey(RollupLevel level, SeriesId id, Timestamp bucket_start, char* out);
std::string RecordKey(SeriesId id, Timestamp ts);
std::string RollupKey(RollupLevel level, SeriesId id, Timestamp bucket_start);

// Decoders return false when `key` does not have the expected size (or level byte).
bool DecodeRecordKey(absl::string_view key, SeriesId* id, Timestamp* ts);
bool DecodeRollupKey(absl::string_view key, RollupLevel* level, SeriesId* id, Timestamp* start);

void EncodeDouble(double v, char* out);  // 8 bytes
double DecodeDouble(const char* in);
uint64_t DoubleBits(double v);

std::string EncodeAggregates(const Aggregates& a);
bool DecodeAggregates(absl::string_view in, Aggregates* out);

std::string SeriesMetaKey(SeriesId id);
bool DecodeSeriesMetaKey(absl::string_view key, SeriesId* id);

std::string EncodeU64(uint64_t v);
bool DecodeU64(absl::string_view in, uint64_t* v);

}  // namespace cairn

#endif  // CAIRN_STORAGE_KEYS_H_
