// The LocalQuery (local_figures.h) a daemon gives its federation member: the query engine over
// its own record store. Apart from local_figures so that the round's logic, and the tools that
// verify rounds, do not link the engine and RocksDB beneath it. Thread-safe as ExecuteQuery.
#ifndef CAIRN_FEDERATION_ENGINE_LOCAL_QUERY_H_
#define CAIRN_FEDERATION_ENGINE_LOCAL_QUERY_H_

#include "federation/local_figures.h"
#include "storage/record_store.h"

namespace cairn {

// A LocalQuery over a record store (ExecuteQuery with the clamp); `store` must outlive it.
LocalQuery EngineLocalQuery(const RecordStore* store);

}  // namespace cairn

#endif  // CAIRN_FEDERATION_ENGINE_LOCAL_QUERY_H_
