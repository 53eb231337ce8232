// How cairnctl shows a policy's parts: a grant as a Record (every field by name: lists as
// arrays, the privacy, rate-limit and federation blocks as nested objects in JSON and as one
// readable line in a table), and what a policy version changed. Pure; thread-safe.
#ifndef CAIRN_TOOLS_CAIRNCTL_POLICY_RENDER_H_
#define CAIRN_TOOLS_CAIRNCTL_POLICY_RENDER_H_

#include <string>
#include <vector>

#include "policy/policy.h"
#include "tools/cairnctl/admin_client.h"
#include "tools/cairnctl/render.h"

namespace cairn {

Record GrantRecord(const Grant& grant);

// "grant 'x' added", "deny rule 'y' removed", "groups changed", in that order.
std::vector<std::string> ChangeLines(const PolicyChangesView& changes);
// The changes as a nested JSON object (grants_added, ...); a table shows "+grant x ~deny y".
Value ChangesValue(const PolicyChangesView& changes);

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_POLICY_RENDER_H_
