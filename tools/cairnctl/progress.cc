#include "tools/cairnctl/progress.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_format.h"

namespace cairn {

std::string HumanCount(double n) {
  if (n >= 1e9) return absl::StrFormat("%.1fG", n / 1e9);
  if (n >= 1e6) return absl::StrFormat("%.1fM", n / 1e6);
  if (n >= 1e4) return absl::StrFormat("%.0fk", n / 1e3);
  return absl::StrFormat("%.0f", n);
}

std::string HumanBytes(uint64_t n) {
  if (n >= (1ull << 30)) return absl::StrFormat("%.1f GiB", n / double(1ull << 30));
  if (n >= (1ull << 20)) return absl::StrFormat("%.1f MiB", n / double(1ull << 20));
  if (n >= (1ull << 10)) return absl::StrFormat("%.1f KiB", n / double(1ull << 10));
  return absl::StrFormat("%d B", n);
}

bool Progress::StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, uint64_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { Finish(); }

double Progress::ElapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::Update(uint64_t done, uint64_t records) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double elapsed = ElapsedSeconds();
  double rate = elapsed > 0 ? records / elapsed : 0;
  std::string line = absl::StrFormat("\r%s", label_);
  if (total_ > 0) {
    double fraction = static_cast<double>(done) / total_;
    absl::StrAppendFormat(&line, "  %3.0f%%", 100 * fraction);
    if (fraction > 0.01 && fraction < 1) {
      absl::StrAppendFormat(&line, "  ETA %.0fs", elapsed / fraction - elapsed);
    }
  }
  absl::StrAppendFormat(&line, "  %s records  %s/s\033[K", HumanCount(records), HumanCount(rate));
  fputs(line.c_str(), stderr);
  fflush(stderr);
  drawn_ = true;
}

void Progress::Finish() {
  if (enabled_ && drawn_) {
    fputs("\r\033[K", stderr);
    fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace cairn
