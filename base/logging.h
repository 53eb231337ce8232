// Minimal structured logging to stderr: "2026-01-05T13:00:00.123Z INFO cairnd: message".
//
// cairnd runs in the foreground under systemd or a terminal; its stderr is the log. Lines are
// written with one write(2) each, so lines from different threads never interleave.
// Thread-safe.
#ifndef CAIRN_BASE_LOGGING_H_
#define CAIRN_BASE_LOGGING_H_

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace cairn {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Messages below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);
bool ParseLogLevel(absl::string_view name, LogLevel* out);
// Prefix after the level, e.g. the program name. Default: none.
void SetLogTag(absl::string_view tag);

void LogMessage(LogLevel level, absl::string_view message);

}  // namespace cairn

#define CAIRN_LOG_DEBUG(...) \
  ::cairn::LogMessage(::cairn::LogLevel::kDebug, ::absl::StrCat(__VA_ARGS__))
#define CAIRN_LOG_INFO(...) \
  ::cairn::LogMessage(::cairn::LogLevel::kInfo, ::absl::StrCat(__VA_ARGS__))
#define CAIRN_LOG_WARNING(...) \
  ::cairn::LogMessage(::cairn::LogLevel::kWarning, ::absl::StrCat(__VA_ARGS__))
#define CAIRN_LOG_ERROR(...) \
  ::cairn::LogMessage(::cairn::LogLevel::kError, ::absl::StrCat(__VA_ARGS__))

#endif  // CAIRN_BASE_LOGGING_H_
