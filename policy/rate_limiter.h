// Rate limits: at most N admitted queries per partner and grant in any sliding window of a
// minute, an hour or a day.
//
// The limiter remembers the time of every admitted query still inside its window (at most
// RateLimit::queries per partner and grant, which PolicyBuilder caps at kMaxRateLimitQueries,
// bounding memory). Time is passed in by the caller (the injectable clock); a clock that steps
// back only makes the limiter stricter. Thread-compatible: synchronise externally if shared.
#ifndef CAIRN_POLICY_RATE_LIMITER_H_
#define CAIRN_POLICY_RATE_LIMITER_H_

#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "policy/policy.h"

namespace cairn {

class RateLimiter {
 public:
  // OK if `grant` has no rate limit or `partner` may ask once more at `now`; otherwise
  // ResourceExhausted saying the limit and when to retry. Records nothing.
  absl::Status Check(absl::string_view partner, const Grant& grant, Timestamp now) const;
  // As Check, and on OK counts one query at `now`.
  absl::Status Admit(absl::string_view partner, const Grant& grant, Timestamp now);
  // Counts a query admitted at `at` before a restart (storage/rate_store.h keeps them), as
  // Admit did then. Calls for one partner and grant come oldest first.
  void Restore(absl::string_view partner, absl::string_view grant, Timestamp at);

  // The longest window a rate limit can have (a day): admissions older than this never count.
  static constexpr Timestamp kLongestWindow = kMicrosPerDay;

 private:
  static std::string Key(absl::string_view partner, absl::string_view grant);
  // Admission times still inside the window ending at `now`, oldest first.
  absl::flat_hash_map<std::string, std::deque<Timestamp>> admitted_;
};

}  // namespace cairn

#endif  // CAIRN_POLICY_RATE_LIMITER_H_
