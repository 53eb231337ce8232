#include "base/logging.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "base/time.h"

namespace cairn {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_tag_mu;
std::string* g_tag = new std::string();

absl::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool ParseLogLevel(absl::string_view name, LogLevel* out) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    std::string lower(LevelName(l));
    for (char& c : lower) c = static_cast<char>(tolower(c));
    if (name == lower || name == LevelName(l)) {
      *out = l;
      return true;
    }
  }
  if (name == "warning") {
    *out = LogLevel::kWarning;
    return true;
  }
  return false;
}

void SetLogTag(absl::string_view tag) {
  std::lock_guard<std::mutex> lock(g_tag_mu);
  *g_tag = std::string(tag);
}

void LogMessage(LogLevel level, absl::string_view message) {
  if (static_cast<int>(level) < g_level.load()) return;
  auto now = std::chrono::system_clock::now().time_since_epoch();
  Timestamp micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  micros -= micros % 1000;  // milliseconds are enough in a log
  std::string tag;
  {
    std::lock_guard<std::mutex> lock(g_tag_mu);
    tag = *g_tag;
  }
  std::string line = absl::StrCat(FormatTimestamp(micros), " ", LevelName(level), " ",
                                  tag.empty() ? "" : tag + ": ", message, "\n");
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

}  // namespace cairn
