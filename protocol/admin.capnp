# The admin interface cairnd serves to cairnctl on the Unix socket in its data dir.
# Only a peer with the daemon's own uid gets this capability (checked with SO_PEERCRED).
@0xcddf012239ef60e8;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::proto");

using Query = import "query.capnp";
using Records = import "records.capnp";

struct DaemonStatus {
  name @0 :Text;
  version @1 :Text;
  dataDir @2 :Text;
  pid @3 :UInt32;
  uptimeSeconds @4 :UInt64;
  records @5 :UInt64;
  series @6 :UInt64;
  diskBytes @7 :UInt64;
}

interface Admin {
  status @0 () -> (status :DaemonStatus);

  metrics @1 () -> (metrics :List(Records.Metric));
  registerMetric @2 (metric :Records.Metric) -> ();

  # Applies one batch atomically; returns after it is durable. Fails with a message naming the
  # point if the batch is invalid, in which case nothing of it was written.
  importBatch @3 (batch :Records.RecordBatch) -> (outcome :Records.ImportOutcome);

  query @4 (query :Query.Query) -> (result :Query.QueryResult);

  # Recomputes every rollup from raw records and compares; for `cairnctl fsck` and tests.
  checkConsistency @5 () -> (ok :Bool, message :Text);
}
