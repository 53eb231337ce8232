#include "policy/rate_limiter.h"

#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

// Entries of `times` that still count at `now` under a window of `window` micros.
size_t InWindow(const std::deque<Timestamp>& times, Timestamp now, Timestamp window) {
  size_t expired = 0;
  while (expired < times.size() && times[expired] <= now - window) ++expired;
  return times.size() - expired;
}

}  // namespace

std::string RateLimiter::Key(absl::string_view partner, absl::string_view grant) {
  return absl::StrCat(partner, absl::string_view("\0", 1), grant);
}

absl::Status RateLimiter::Check(absl::string_view partner, const Grant& grant,
                                Timestamp now) const {
  if (!grant.rate_limit) return absl::OkStatus();
  const RateLimit& limit = *grant.rate_limit;
  auto it = admitted_.find(Key(partner, grant.name));
  if (it == admitted_.end()) return absl::OkStatus();
  const std::deque<Timestamp>& times = it->second;
  size_t counted = InWindow(times, now, limit.window_micros);
  if (counted < static_cast<size_t>(limit.queries)) return absl::OkStatus();
  // The oldest counted query leaves the window first.
  Timestamp retry = times[times.size() - counted] + limit.window_micros;
  return absl::ResourceExhaustedError(
      absl::StrCat("grant '", grant.name, "' allows ", limit.queries, " queries per ",
                   limit.window_name, "; retry after ", FormatTimestamp(retry)));
}

absl::Status RateLimiter::Admit(absl::string_view partner, const Grant& grant, Timestamp now) {
  if (!grant.rate_limit) return absl::OkStatus();
  absl::Status ok = Check(partner, grant, now);
  if (!ok.ok()) return ok;
  std::deque<Timestamp>& times = admitted_[Key(partner, grant.name)];
  while (!times.empty() && times.front() <= now - grant.rate_limit->window_micros) {
    times.pop_front();
  }
  // Bound memory even if the limit was lowered by a policy reload.
  while (times.size() >= static_cast<size_t>(kMaxRateLimitQueries)) times.pop_front();
  times.push_back(now);
  return absl::OkStatus();
}

void RateLimiter::Restore(absl::string_view partner, absl::string_view grant, Timestamp at) {
  std::deque<Timestamp>& times = admitted_[Key(partner, grant)];
  while (times.size() >= static_cast<size_t>(kMaxRateLimitQueries)) times.pop_front();
  times.push_back(at);
}

}  // namespace cairn
