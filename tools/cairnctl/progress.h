// Progress: a one-line progress display on stderr for long work ("import plant.csv  45%
// 1.2M records  610k/s  ETA 4s"), redrawn at most ten times a second. Disabled when stderr is
// not a terminal, so logs and pipes get only the final summary. One thread at a time.
#ifndef CAIRN_TOOLS_CAIRNCTL_PROGRESS_H_
#define CAIRN_TOOLS_CAIRNCTL_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace cairn {

class Progress {
 public:
  // `total` is in the same unit as Update's `done` (bytes here); 0 if unknown.
  Progress(std::string label, uint64_t total, bool enabled);
  ~Progress();

  void Update(uint64_t done, uint64_t records);
  // Clears the line.
  void Finish();
  double ElapsedSeconds() const;

  static bool StderrIsTerminal();

 private:
  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1.2M", "950k", "12" — compact counts for humans.
std::string HumanCount(double n);
// "1.5 GiB", "12 MiB", "800 B".
std::string HumanBytes(uint64_t n);

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_PROGRESS_H_
