// A FederationTransport inside one process, for tests and the bench: members are
// FederationMember objects registered by key, and a call is a function call on the encoded
// bytes (so every message still goes through encoding, decoding and signature checks).
//
// Test hooks stand for the network: `before` can make a member unreachable for a call (its
// status is returned as the member's reply and the member is not called), `after` can alter
// the reply bytes in transit. Traffic is counted per member.
//
// Members are called one after another, in the order given, or by `threads` threads (members
// are independent objects; a real cohort works in parallel too), in which case the hooks must
// be thread-safe. Thread-compatible: configure it before use, and do not call Broadcast
// concurrently.
#ifndef CAIRN_FEDERATION_IN_MEMORY_TRANSPORT_H_
#define CAIRN_FEDERATION_IN_MEMORY_TRANSPORT_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "federation/member.h"
#include "federation/transport.h"

namespace cairn {

class InMemoryTransport : public FederationTransport {
 public:
  struct Traffic {
    uint64_t bytes_to_member = 0;    // requests delivered to it
    uint64_t bytes_from_member = 0;  // its replies
    // Wall-clock time the member spent handling each call, in microseconds, by
    // FederationCall (propose, announce, values); and the CPU time of the thread that handled
    // it (on a shared machine the wall time includes waiting for a CPU).
    std::array<int64_t, 3> handle_micros{};
    std::array<int64_t, 3> handle_cpu_micros{};
  };
  using Before = std::function<absl::Status(FederationCall, const PublicKey&)>;
  using After = std::function<void(FederationCall, const PublicKey&, std::string* reply)>;

  // `member` must outlive the transport.
  void Register(FederationMember* member) { members_[member->public_key()] = member; }
  void SetBefore(Before before) { before_ = std::move(before); }
  void SetAfter(After after) { after_ = std::move(after); }
  // Threads that deliver one Broadcast (default 1: one member after another).
  void SetThreads(int threads) { threads_ = threads < 1 ? 1 : threads; }

  std::vector<absl::StatusOr<std::string>> Broadcast(FederationCall call,
                                                     absl::Span<const PublicKey> members,
                                                     absl::string_view request) override;

  Traffic TrafficOf(const PublicKey& member) const;
  // Wall-clock time spent in Broadcast, in microseconds: a round's time minus this is the
  // requester's own.
  int64_t broadcast_micros() const { return broadcast_micros_; }
  void ResetTraffic() {
    traffic_.clear();
    broadcast_micros_ = 0;
  }

 private:
  absl::flat_hash_map<PublicKey, FederationMember*> members_;
  absl::flat_hash_map<PublicKey, Traffic> traffic_;
  Before before_;
  After after_;
  int threads_ = 1;
  int64_t broadcast_micros_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_FEDERATION_IN_MEMORY_TRANSPORT_H_
