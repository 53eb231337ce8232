// InFlightLimit: how many calls are in progress, against a ceiling, and the tickets that hold
// the places. Each partner connection has one for every capability it hands out, and the
// partner listener has one for all partners together (their share of the worker queues).
//
// A Ticket holds one place until it is destroyed; it may outlive the limit it came from (a
// call's promise can be destroyed after its connection). Single-threaded: the daemon's event
// loop thread.
#ifndef CAIRN_DAEMON_IN_FLIGHT_LIMIT_H_
#define CAIRN_DAEMON_IN_FLIGHT_LIMIT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

namespace cairn {

class InFlightLimit {
 public:
  class Ticket {
   public:
    Ticket(Ticket&&) = default;
    Ticket& operator=(Ticket&& other) {
      Release();
      count_ = std::move(other.count_);
      return *this;
    }
    ~Ticket() { Release(); }

   private:
    friend class InFlightLimit;
    explicit Ticket(std::shared_ptr<int64_t> count) : count_(std::move(count)) { ++*count_; }
    void Release() {
      if (count_ != nullptr) --*count_;
      count_ = nullptr;
    }

    std::shared_ptr<int64_t> count_;
  };

  explicit InFlightLimit(int64_t limit) : limit_(limit) {}

  // A place, or nothing while `limit` tickets are out.
  std::optional<Ticket> TryAdmit() {
    if (*count_ >= limit_) return std::nullopt;
    return Ticket(count_);
  }
  int64_t in_flight() const { return *count_; }
  int64_t limit() const { return limit_; }

 private:
  const int64_t limit_;
  std::shared_ptr<int64_t> count_ = std::make_shared<int64_t>(0);
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_IN_FLIGHT_LIMIT_H_
