// See engine_local_query.h.
#include "federation/engine_local_query.h"

#include "query/engine.h"

namespace cairn {

LocalQuery EngineLocalQuery(const RecordStore* store) {
  return [store](const Query& part, std::optional<ClampRange> clamp) {
    ExecuteOptions options;
    options.clamp = clamp;
    return ExecuteQuery(*store, part, options);
  };
}

}  // namespace cairn
