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

struct IdentityInfo {
  name @0 :Text;
  fingerprint @1 :Text;
  certificatePem @2 :Text;
  notAfter @3 :Int64;
  listen @4 :Text;            # the bound partner address ("" if the listener is off)
}

struct PartnerInfo {
  name @0 :Text;
  fingerprint @1 :Text;
  displayName @2 :Text;
  endpoint @3 :Text;
  allowedMetrics @4 :List(Text);
  addedAt @5 :Int64;
  revoked @6 :Bool;
  revokedAt @7 :Int64;
  certificatePem @8 :Text;
  notAfter @9 :Int64;
  connections @10 :UInt32;    # live inbound connections
}

struct PeerAnswer {
  signedResult @0 :Data;      # SignedResult, canonical encoding (cairnctl armours it for --out)
  result @1 :Query.QueryResult;
  attesterName @2 :Text;
  attesterFingerprint @3 :Text;
  answeredAt @4 :Int64;
  grant @5 :Text;
  noise @6 :Text;
  suppressedGroups @7 :UInt64;
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

  identity @6 () -> (identity :IdentityInfo);

  # Registers a partner; the certificate must be a Cairn certificate and, when `fingerprint` is
  # given, must carry that key. The partner can connect at once.
  addPartner @7 (name :Text, certificatePem :Text, endpoint :Text, fingerprint :Text,
                 allowMetrics :List(Text)) -> (partner :PartnerInfo);
  listPartners @8 () -> (partners :List(PartnerInfo));
  # Revokes a partner: refused from now on; its live connections are closed.
  revokePartner @9 (name :Text) -> (closedConnections :UInt32);
  # Until a policy is in force: the metrics this partner may ask about.
  allowMetrics @10 (name :Text, metrics :List(Text)) -> ();

  # Asks a registered partner's daemon, signed by this daemon; the answer is verified.
  askPeer @11 (peer :Text, query :Query.Query) -> (answer :PeerAnswer);
}
