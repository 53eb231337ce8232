# The admin interface cairnd serves to cairnctl on the Unix socket in its data dir.
# Only a peer with the daemon's own uid gets this capability (checked with SO_PEERCRED).
@0xcddf012239ef60e8;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::proto");

using Query = import "query.capnp";
using Records = import "records.capnp";

struct DaemonStatus {
  # Why partner queries are refused (fail closed), or "" when they are served.
  partnerQueriesRefused @8 :Text;

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

struct PolicyVersionInfo {
  version @0 :UInt64;
  appliedAt @1 :Int64;
  fileName @2 :Text;
  appliedBy @3 :Text;
  sha256 @4 :Text;            # hex
  changes @5 :List(Text);     # "grant 'x' added", ...
}

struct BudgetInfo {
  partner @0 :Text;
  grant @1 :Text;
  budgetMicros @2 :Int64;     # millionths of epsilon
  spentMicros @3 :Int64;
  periodStart @4 :Int64;
  renewsAt @5 :Int64;
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

  # Validates the whole policy file and applies it atomically as a new version. Errors name
  # file, line and field; nothing is half-applied.
  applyPolicy @12 (text :Text, fileName :Text, appliedBy :Text)
      -> (version :UInt64, changes :List(Text), warnings :List(Text));
  # The policy in force (version 0 and no text when none was ever applied).
  policy @13 () -> (version :PolicyVersionInfo, text :Text, grants :List(Text));
  policyHistory @14 () -> (versions :List(PolicyVersionInfo));
  removeGrant @15 (name :Text, appliedBy :Text) -> (version :UInt64, changes :List(Text));
  # What would happen to this query from this partner now, and why; spends nothing.
  checkPolicy @16 (partner :Text, query :Query.Query) -> (allowed :Bool, explanation :Text);

  # Audit entries as JSON lines (audit_json.h), oldest first.
  auditTail @17 (count :UInt32) -> (entries :List(Text));
  auditShow @18 (seq :UInt64, hash :Text) -> (entry :Text);
  auditExport @19 (fromSeq :UInt64, maxEntries :UInt32) -> (entries :List(Text), nextSeq :UInt64);
  auditVerify @20 () -> (ok :Bool, report :Text);

  budgets @21 (partner :Text) -> (budgets :List(BudgetInfo));

  # ---- Federated queries (issue 5; docs/federation.md).
  # Imports a consortium roster (federation/roster.h) and audits it. This daemon must be on it.
  # Members not yet registered as partners are registered from the roster's certificates under
  # their roster names; a member registered under another name, or a name held by another key,
  # is refused. Nothing is applied unless everything checks. Replaces an earlier roster of the
  # same consortium.
  consortiumAdd @22 (text :Text, fileName :Text, addedBy :Text)
      -> (consortium :ConsortiumInfo, registered :List(Text), warnings :List(Text));
  consortiumList @23 () -> (consortia :List(ConsortiumInfo));
  # Runs a federated round from this daemon (retrying without members that drop out) and
  # returns the published result (an encoded federation.capnp FederatedResult), or fails with
  # why, naming the members that refused or dropped out.
  federate @24 (consortium :Text, query :Query.Query, groupValues :List(TagValues),
                members :List(Text), minContributors :UInt32)
      -> (result :Data, report :FederationReport, rosterText :Text);
}

struct ConsortiumInfo {
  name @0 :Text;
  fileName @1 :Text;
  addedAt @2 :Int64;
  addedBy @3 :Text;
  members @4 :List(ConsortiumMember);
  cohortMemoryEntries @5 :UInt32;   # rounds of this consortium remembered for differencing
}

struct ConsortiumMember {
  name @0 :Text;
  fingerprint @1 :Text;
  endpoint @2 :Text;
  status @3 :Text;                  # "this daemon", "partner", "revoked partner", "not registered"
}

# The values of one grouping tag that make up a round's key space, in order.
struct TagValues {
  tag @0 :Text;
  values @1 :List(Text);
}

struct FederationReport {
  attempts @0 :UInt32;
  finalCohort @1 :List(Text);       # roster names, in cohort order
  issues @2 :List(MemberIssue);
  roundDigest @3 :Text;             # hex, of the round that succeeded
  auditReceipt @4 :Text;            # hex hash of this daemon's "federated-request" entry

  struct MemberIssue {
    member @0 :Text;                # roster name
    call @1 :Text;                  # "propose", "announce" or "values"
    dropped @2 :Bool;               # unreachable or failed to deliver (else: refused)
    reason @3 :Text;
  }
}
