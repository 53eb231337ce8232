// Timestamps and the UTC calendar buckets that queries group by.
//
// A Timestamp is microseconds since 1970-01-01T00:00:00Z. Cairn has no time zones: every bucket
// boundary is UTC. Weeks are ISO 8601 weeks (start Monday, labelled by ISO week-year, e.g.
// "2026-W02"). All functions are pure and thread-safe.
#ifndef CAIRN_BASE_TIME_H_
#define CAIRN_BASE_TIME_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn {

using Timestamp = int64_t;  // microseconds since the Unix epoch, UTC

inline constexpr Timestamp kMicrosPerSecond = 1'000'000;
inline constexpr Timestamp kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr Timestamp kMicrosPerHour = 3600 * kMicrosPerSecond;
inline constexpr Timestamp kMicrosPerDay = 24 * kMicrosPerHour;
// The range accepted anywhere: years 1900..9999. Keeps calendar arithmetic far from overflow.
inline constexpr Timestamp kMinTimestamp = -2208988800LL * kMicrosPerSecond;   // 1900-01-01
inline constexpr Timestamp kMaxTimestamp = 253402300800LL * kMicrosPerSecond;  // 10000-01-01

// Parses RFC 3339 ("2026-01-05T13:00:00Z", "2026-01-05T14:00:00.250+01:00", a space instead of
// 'T' is accepted) or Unix seconds ("1767571200", "1767571200.25"). Returns InvalidArgument with
// a message saying what was expected when `text` is neither, or lies outside 1900..9999.
absl::StatusOr<Timestamp> ParseTimestamp(absl::string_view text);

// Like ParseTimestamp, and also accepts the coarse forms people type on a command line:
// "2026", "2026-03", "2026-03-05" (each the start of that period, UTC).
absl::StatusOr<Timestamp> ParseTimeArg(absl::string_view text);

// "2026-01-05T13:00:00Z"; fractional seconds are printed only when non-zero.
std::string FormatTimestamp(Timestamp ts);

// Civil date helpers (proleptic Gregorian).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
struct CivilDay {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
CivilDay CivilFromDays(int64_t days);

enum class Granularity { kHour, kDay, kWeek, kMonth, kQuarter, kYear };

// "hour", "day", "week", "month", "quarter", "year".
absl::string_view GranularityName(Granularity g);
std::optional<Granularity> ParseGranularity(absl::string_view name);
// True if every bucket of `coarse` is a union of buckets of `fine` (week is not a union of
// months, nor a month of weeks).
bool IsCoarserOrEqual(Granularity coarse, Granularity fine);

// Start of the bucket containing `ts`.
Timestamp BucketFloor(Timestamp ts, Granularity g);
// Start of the bucket after the one starting at `bucket_start`.
Timestamp BucketNext(Timestamp bucket_start, Granularity g);
// The bucket's label: "2026" "2026-Q1" "2026-01" "2026-W02" "2026-01-05" "2026-01-05T13".
std::string BucketLabel(Timestamp bucket_start, Granularity g);

}  // namespace cairn

#endif  // CAIRN_BASE_TIME_H_
