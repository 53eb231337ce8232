#include "base/time.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cairn {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`; advances `pos`.
bool ReadDigits(absl::string_view s, size_t& pos, int n, int64_t& out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2) {
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month - 1];
}

absl::Status BadTime(absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot parse time '", text,
                   "': expected RFC 3339 (2026-01-05T13:00:00Z) or Unix seconds (1767618000)"));
}

absl::StatusOr<Timestamp> CheckRange(Timestamp ts, absl::string_view text) {
  if (ts < kMinTimestamp || ts >= kMaxTimestamp) {
    return absl::InvalidArgumentError(
        absl::StrCat("time '", text, "' is outside the supported years 1900..9999"));
  }
  return ts;
}

absl::StatusOr<Timestamp> ParseUnixSeconds(absl::string_view s) {
  size_t pos = 0;
  bool negative = false;
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) negative = s[pos++] == '-';
  int64_t seconds = 0;
  size_t digits = 0;
  while (pos < s.size() && IsDigit(s[pos])) {
    if (++digits > 12) return BadTime(s);  // beyond year 9999 anyway
    seconds = seconds * 10 + (s[pos++] - '0');
  }
  if (digits == 0) return BadTime(s);
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t frac_digits = 0;
    while (pos < s.size() && IsDigit(s[pos])) {
      micros += (s[pos++] - '0') * scale;  // digits past microseconds are truncated
      scale /= 10;
      ++frac_digits;
    }
    if (frac_digits == 0) return BadTime(s);
  }
  if (pos != s.size()) return BadTime(s);
  Timestamp ts = seconds * kMicrosPerSecond + micros;
  return CheckRange(negative ? -ts : ts, s);
}

// Parses YYYY[-MM[-DD]] prefixes; `parts` says how many components were present.
bool ParseDatePrefix(absl::string_view s, size_t& pos, int64_t& y, int64_t& m, int64_t& d,
                     int& parts) {
  parts = 0;
  if (!ReadDigits(s, pos, 4, y)) return false;
  parts = 1;
  m = 1;
  d = 1;
  if (pos == s.size() || s[pos] != '-') return true;
  ++pos;
  if (!ReadDigits(s, pos, 2, m) || m < 1 || m > 12) return false;
  parts = 2;
  if (pos == s.size() || s[pos] != '-') return true;
  ++pos;
  if (!ReadDigits(s, pos, 2, d) || d < 1 || d > DaysInMonth(y, static_cast<unsigned>(m))) {
    return false;
  }
  parts = 3;
  return true;
}

absl::StatusOr<Timestamp> ParseRfc3339(absl::string_view s, bool allow_coarse) {
  size_t pos = 0;
  int64_t y, mo, d;
  int parts;
  if (!ParseDatePrefix(s, pos, y, mo, d, parts)) return BadTime(s);
  Timestamp day_start =
      DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kMicrosPerDay;
  if (pos == s.size()) {
    if (parts == 3 || allow_coarse) return CheckRange(day_start, s);
    return BadTime(s);
  }
  if (parts != 3 || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return BadTime(s);
  ++pos;
  int64_t hh, mm, ss = 0;
  if (!ReadDigits(s, pos, 2, hh) || pos >= s.size() || s[pos++] != ':' ||
      !ReadDigits(s, pos, 2, mm)) {
    return BadTime(s);
  }
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!ReadDigits(s, pos, 2, ss)) return BadTime(s);
  }
  // 60 is a leap second; it is folded into the next minute's first second.
  if (hh > 23 || mm > 59 || ss > 60) return BadTime(s);
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t frac_digits = 0;
    while (pos < s.size() && IsDigit(s[pos])) {
      micros += (s[pos++] - '0') * scale;
      scale /= 10;
      ++frac_digits;
    }
    if (frac_digits == 0) return BadTime(s);
  }
  int64_t offset_seconds = 0;
  if (pos == s.size()) return BadTime(s);  // RFC 3339 requires an offset
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int sign = s[pos++] == '-' ? -1 : 1;
    int64_t oh, om;
    if (!ReadDigits(s, pos, 2, oh) || pos >= s.size() || s[pos++] != ':' ||
        !ReadDigits(s, pos, 2, om) || oh > 23 || om > 59) {
      return BadTime(s);
    }
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return BadTime(s);
  }
  if (pos != s.size()) return BadTime(s);
  Timestamp ts =
      day_start + ((hh * 60 + mm) * 60 + ss - offset_seconds) * kMicrosPerSecond + micros;
  return CheckRange(ts, s);
}

bool LooksLikeUnixSeconds(absl::string_view s) {
  // A date has a '-' after four digits; Unix seconds never do.
  return !(s.size() >= 5 && IsDigit(s[0]) && IsDigit(s[1]) && IsDigit(s[2]) && IsDigit(s[3]) &&
           s[4] == '-');
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// ISO 8601 week-year and week number of a day number.
void IsoWeek(int64_t days, int64_t& iso_year, int& week) {
  // Day 0 (1970-01-01) was a Thursday. Monday-based weekday: 0 = Monday.
  int64_t wd = ((days + 3) % 7 + 7) % 7;
  int64_t thursday = days - wd + 3;  // the Thursday of this ISO week decides its year
  CivilDay c = CivilFromDays(thursday);
  iso_year = c.year;
  int64_t jan1 = DaysFromCivil(c.year, 1, 1);
  week = static_cast<int>((thursday - jan1) / 7 + 1);
}

}  // namespace

absl::StatusOr<Timestamp> ParseTimestamp(absl::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("empty time");
  if (LooksLikeUnixSeconds(text)) return ParseUnixSeconds(text);
  return ParseRfc3339(text, /*allow_coarse=*/false);
}

absl::StatusOr<Timestamp> ParseTimeArg(absl::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("empty time");
  if (text.size() == 4 && IsDigit(text[0]) && IsDigit(text[1]) && IsDigit(text[2]) &&
      IsDigit(text[3])) {
    return ParseRfc3339(text, /*allow_coarse=*/true);
  }
  if (LooksLikeUnixSeconds(text)) return ParseUnixSeconds(text);
  return ParseRfc3339(text, /*allow_coarse=*/true);
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDay CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDay{y + (m <= 2), m, d};
}

std::string FormatTimestamp(Timestamp ts) {
  int64_t days = FloorDiv(ts, kMicrosPerDay);
  int64_t in_day = ts - days * kMicrosPerDay;
  CivilDay c = CivilFromDays(days);
  int64_t secs = in_day / kMicrosPerSecond;
  int64_t micros = in_day % kMicrosPerSecond;
  std::string out = absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day,
                                    secs / 3600, secs / 60 % 60, secs % 60);
  if (micros != 0) {
    std::string frac = absl::StrFormat(".%06d", micros);
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  out += 'Z';
  return out;
}

absl::string_view GranularityName(Granularity g) {
  switch (g) {
    case Granularity::kHour:
      return "hour";
    case Granularity::kDay:
      return "day";
    case Granularity::kWeek:
      return "week";
    case Granularity::kMonth:
      return "month";
    case Granularity::kQuarter:
      return "quarter";
    case Granularity::kYear:
      return "year";
  }
  return "?";
}

std::optional<Granularity> ParseGranularity(absl::string_view name) {
  for (Granularity g : {Granularity::kHour, Granularity::kDay, Granularity::kWeek,
                        Granularity::kMonth, Granularity::kQuarter, Granularity::kYear}) {
    if (GranularityName(g) == name) return g;
  }
  return std::nullopt;
}

bool IsCoarserOrEqual(Granularity coarse, Granularity fine) {
  if (coarse == fine) return true;
  if (fine == Granularity::kHour) return true;
  if (fine == Granularity::kDay) return coarse != Granularity::kHour;
  if (fine == Granularity::kWeek || coarse == Granularity::kWeek) return false;
  return static_cast<int>(coarse) > static_cast<int>(fine);  // month < quarter < year
}

Timestamp BucketFloor(Timestamp ts, Granularity g) {
  switch (g) {
    case Granularity::kHour:
      return FloorDiv(ts, kMicrosPerHour) * kMicrosPerHour;
    case Granularity::kDay:
      return FloorDiv(ts, kMicrosPerDay) * kMicrosPerDay;
    case Granularity::kWeek: {
      int64_t days = FloorDiv(ts, kMicrosPerDay);
      int64_t wd = ((days + 3) % 7 + 7) % 7;  // 0 = Monday
      return (days - wd) * kMicrosPerDay;
    }
    case Granularity::kMonth:
    case Granularity::kQuarter:
    case Granularity::kYear: {
      CivilDay c = CivilFromDays(FloorDiv(ts, kMicrosPerDay));
      unsigned month = c.month;
      if (g == Granularity::kQuarter) month = (month - 1) / 3 * 3 + 1;
      if (g == Granularity::kYear) month = 1;
      return DaysFromCivil(c.year, month, 1) * kMicrosPerDay;
    }
  }
  return ts;
}

Timestamp BucketNext(Timestamp start, Granularity g) {
  switch (g) {
    case Granularity::kHour:
      return start + kMicrosPerHour;
    case Granularity::kDay:
      return start + kMicrosPerDay;
    case Granularity::kWeek:
      return start + 7 * kMicrosPerDay;
    case Granularity::kMonth:
    case Granularity::kQuarter:
    case Granularity::kYear: {
      CivilDay c = CivilFromDays(FloorDiv(start, kMicrosPerDay));
      unsigned step = g == Granularity::kMonth ? 1 : g == Granularity::kQuarter ? 3 : 12;
      int64_t months = c.year * 12 + (c.month - 1) + step;
      return DaysFromCivil(FloorDiv(months, 12), static_cast<unsigned>(months % 12 + 1), 1) *
             kMicrosPerDay;
    }
  }
  return start;
}

std::string BucketLabel(Timestamp start, Granularity g) {
  int64_t days = FloorDiv(start, kMicrosPerDay);
  CivilDay c = CivilFromDays(days);
  switch (g) {
    case Granularity::kHour:
      return absl::StrFormat("%04d-%02d-%02dT%02d", c.year, c.month, c.day,
                             (start - days * kMicrosPerDay) / kMicrosPerHour);
    case Granularity::kDay:
      return absl::StrFormat("%04d-%02d-%02d", c.year, c.month, c.day);
    case Granularity::kWeek: {
      int64_t iso_year;
      int week;
      IsoWeek(days, iso_year, week);
      return absl::StrFormat("%04d-W%02d", iso_year, week);
    }
    case Granularity::kMonth:
      return absl::StrFormat("%04d-%02d", c.year, c.month);
    case Granularity::kQuarter:
      return absl::StrFormat("%04d-Q%d", c.year, (c.month - 1) / 3 + 1);
    case Granularity::kYear:
      return absl::StrFormat("%04d", c.year);
  }
  return "";
}

}  // namespace cairn
