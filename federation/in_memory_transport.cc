// The in-process transport; see in_memory_transport.h.
#include "federation/in_memory_transport.h"

#include <time.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cairn {
namespace {

// CPU time of the calling thread, in microseconds.
int64_t ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000;
}

}  // namespace

std::vector<absl::StatusOr<std::string>> InMemoryTransport::Broadcast(
    FederationCall call, absl::Span<const PublicKey> members, absl::string_view request) {
  const absl::Time broadcast_start = absl::Now();
  // Each slot is written by exactly one thread; the traffic is merged after the join.
  std::vector<absl::StatusOr<std::string>> replies(members.size(),
                                                   absl::UnknownError("not called"));
  std::vector<int64_t> micros(members.size(), 0), cpu_micros(members.size(), 0);
  std::vector<char> delivered(members.size(), 0);
  auto deliver = [&](size_t i) {
    const PublicKey& key = members[i];
    auto it = members_.find(key);
    if (it == members_.end()) {
      replies[i] = absl::UnavailableError(
          absl::StrCat("no member ", key.fingerprint().ToString(), " on this transport"));
      return;
    }
    if (before_) {
      if (absl::Status s = before_(call, key); !s.ok()) {
        replies[i] = s;
        return;
      }
    }
    const absl::Time start = absl::Now();
    const int64_t cpu_start = ThreadCpuMicros();
    delivered[i] = 1;
    replies[i] = it->second->Handle(call, request);
    cpu_micros[i] = ThreadCpuMicros() - cpu_start;
    micros[i] = absl::ToInt64Microseconds(absl::Now() - start);
    if (replies[i].ok() && after_) after_(call, key, &*replies[i]);
  };
  const size_t threads = std::min<size_t>(threads_, members.size());
  if (threads <= 1) {
    for (size_t i = 0; i < members.size(); ++i) deliver(i);
  } else {
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < members.size(); i = next++) deliver(i);
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();
  }
  for (size_t i = 0; i < members.size(); ++i) {
    if (!delivered[i]) continue;
    Traffic& traffic = traffic_[members[i]];
    traffic.handle_micros[static_cast<size_t>(call)] += micros[i];
    traffic.handle_cpu_micros[static_cast<size_t>(call)] += cpu_micros[i];
    traffic.bytes_to_member += request.size();
    if (replies[i].ok()) traffic.bytes_from_member += replies[i]->size();
  }
  broadcast_micros_ += absl::ToInt64Microseconds(absl::Now() - broadcast_start);
  return replies;
}

InMemoryTransport::Traffic InMemoryTransport::TrafficOf(const PublicKey& member) const {
  auto it = traffic_.find(member);
  return it == traffic_.end() ? Traffic{} : it->second;
}

}  // namespace cairn
