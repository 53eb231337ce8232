// The query flags shared by every cairnctl command that states a query (`query`, later
// `query --peer`, `policy check`, `federate`): --metric, --agg, --ratio-to, --from, --to,
// --group-by, --where. Build() turns them into a Query or says which flag is wrong.
#ifndef CAIRN_TOOLS_CAIRNCTL_QUERY_FLAGS_H_
#define CAIRN_TOOLS_CAIRNCTL_QUERY_FLAGS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "model/query.h"

namespace cairn {

struct QueryFlags {
  std::string metric;
  std::string aggregate;  // empty: sum, or ratio when --ratio-to is given
  std::string ratio_to;
  std::string from, to;
  std::vector<std::string> group_by;  // each may hold a comma-separated list
  std::vector<std::string> where;     // "tag=value" or "tag=a,b"

  void Register(CLI::App* command);
  // InvalidArgument naming the flag: unknown aggregate, unparsable time, two time groupings,
  // a --where without '=', ...
  absl::StatusOr<Query> Build() const;
};

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_QUERY_FLAGS_H_
