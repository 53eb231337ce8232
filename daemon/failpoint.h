// Failpoints: named places where a test can make the daemon fail on purpose, to prove that a
// crash or a failed write at that exact step leaves nothing half-done.
//
// CAIRN_FAILPOINT="name[,name...]" in cairnd's environment activates them; unset (always in
// production) they cost one branch on a cached flag. Thread-safe.
#ifndef CAIRN_DAEMON_FAILPOINT_H_
#define CAIRN_DAEMON_FAILPOINT_H_

namespace cairn {

// True if `name` is active.
bool FailpointActive(const char* name);
// Exits the process at once (as kill -9 would, without flushing anything) if `name` is active.
void CrashAt(const char* name);

}  // namespace cairn

#endif  // CAIRN_DAEMON_FAILPOINT_H_
