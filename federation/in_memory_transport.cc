// The in-process transport; see in_memory_transport.h.
#include "federation/in_memory_transport.h"

#include "absl/strings/str_cat.h"

namespace cairn {

std::vector<absl::StatusOr<std::string>> InMemoryTransport::Broadcast(
    FederationCall call, absl::Span<const PublicKey> members, absl::string_view request) {
  std::vector<absl::StatusOr<std::string>> replies;
  replies.reserve(members.size());
  for (const PublicKey& key : members) {
    auto it = members_.find(key);
    if (it == members_.end()) {
      replies.push_back(absl::UnavailableError(
          absl::StrCat("no member ", key.fingerprint().ToString(), " on this transport")));
      continue;
    }
    if (before_) {
      if (absl::Status s = before_(call, key); !s.ok()) {
        replies.push_back(s);
        continue;
      }
    }
    Traffic& traffic = traffic_[key];
    traffic.bytes_to_member += request.size();
    absl::StatusOr<std::string> reply = it->second->Handle(call, request);
    if (reply.ok()) {
      if (after_) after_(call, key, &*reply);
      traffic.bytes_from_member += reply->size();
    }
    replies.push_back(std::move(reply));
  }
  return replies;
}

InMemoryTransport::Traffic InMemoryTransport::TrafficOf(const PublicKey& member) const {
  auto it = traffic_.find(member);
  return it == traffic_.end() ? Traffic{} : it->second;
}

}  // namespace cairn
