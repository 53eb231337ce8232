#include "daemon/open_files.h"

#include <sys/resource.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cairn {

int64_t RaiseOpenFileLimit() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    // An unlimited hard limit is not a descriptor count the kernel accepts (fs.nr_open is).
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0 && limit.rlim_max == RLIM_INFINITY) {
      raised.rlim_cur = 1 << 20;
      setrlimit(RLIMIT_NOFILE, &raised);
    }
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur == RLIM_INFINITY ? int64_t{1} << 20 : static_cast<int64_t>(limit.rlim_cur);
}

OpenFilePlan PlanOpenFiles(int64_t limit, int64_t max_connections, int64_t max_pending_handshakes) {
  OpenFilePlan plan;
  plan.limit = limit;
  plan.max_connections = max_connections;
  plan.max_pending_handshakes = max_pending_handshakes;
  const int64_t for_connections = max_connections + max_pending_handshakes;
  const int64_t left = limit - kReservedDescriptors - for_connections;
  if (left >= kMinStoreFiles) {
    plan.store_files = std::min(left, kMaxStoreFiles);
    return plan;
  }
  // Too few: the store keeps its minimum and the connections share what remains, a quarter
  // of it for pending handshakes (at least one of each, even if that leaves the store short).
  plan.store_files = kMinStoreFiles;
  const int64_t room = std::max<int64_t>(limit - kReservedDescriptors - kMinStoreFiles, 2);
  plan.max_pending_handshakes =
      std::clamp<int64_t>(room / 4, 1, std::max<int64_t>(max_pending_handshakes, 1));
  plan.max_connections = std::clamp<int64_t>(room - plan.max_pending_handshakes, 1,
                                             std::max<int64_t>(max_connections, 1));
  plan.warning = absl::StrCat("the open-file limit (", limit,
                              ") is too low for partners.max_connections = ", max_connections,
                              " and partners.max_pending_handshakes = ", max_pending_handshakes,
                              " beside the store; serving at most ", plan.max_connections,
                              " partner connections and ", plan.max_pending_handshakes,
                              " pending handshakes. Raise the limit (systemd: LimitNOFILE=)");
  return plan;
}

}  // namespace cairn
