#include "daemon/failpoint.h"

#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_split.h"

namespace cairn {
namespace {

const std::string* Active() {
  static const std::string* active = [] {
    const char* env = getenv("CAIRN_FAILPOINT");
    return new std::string(env ? env : "");
  }();
  return active;
}

}  // namespace

bool FailpointActive(const char* name) {
  const std::string* active = Active();
  if (active->empty()) return false;
  for (absl::string_view n : absl::StrSplit(*active, ',')) {
    if (n == name) return true;
  }
  return false;
}

void CrashAt(const char* name) {
  if (FailpointActive(name)) _exit(86);
}

}  // namespace cairn
