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
  sha256 @4 :Data;            # of the policy file as applied
  changes @5 :PolicyChanges;  # against the version before
}

# What a policy version changed, by the names of grants and deny rules.
struct PolicyChanges {
  grantsAdded @0 :List(Text);
  grantsChanged @1 :List(Text);
  grantsRemoved @2 :List(Text);
  denyRulesAdded @3 :List(Text);
  denyRulesChanged @4 :List(Text);
  denyRulesRemoved @5 :List(Text);
  groupsChanged @6 :Bool;
}

# One grant of the policy in force (policy/policy.h Grant). Absent blocks are null pointers.
struct Grant {
  name @0 :Text;
  union {
    partner @1 :Text;
    group @2 :Text;
  }
  purpose @3 :Text;
  release @4 :Release;
  metrics @5 :List(Text);
  aggregates @6 :List(Query.Aggregate);
  ratios @7 :List(Ratio);
  filterTags @8 :List(Text);
  groupTags @9 :List(Text);
  scope @10 :List(TagValues);       # tags the query must filter on, to a subset of the values
  finest @11 :Query.Granularity;
  minRecords @12 :UInt64;
  minSeries @13 :UInt64;
  privacy @14 :Privacy;
  rateLimit @15 :RateLimit;
  hasValidFrom @16 :Bool;
  validFrom @17 :Int64;             # inclusive
  hasValidUntil @18 :Bool;
  validUntil @19 :Int64;            # exclusive
  federation @20 :Federation;       # set: answers federated rounds only

  enum Release {
    exact @0;
    protected @1;
  }
  struct Ratio {
    numerator @0 :Text;
    denominator @1 :Text;
  }
  struct Privacy {
    epsilon @0 :Float64;            # as written in the policy
    budget @1 :Float64;
    epsilonMicros @2 :Int64;        # as spent and counted (millionths)
    budgetMicros @3 :Int64;
    period @4 :Query.Granularity;
    clamps @5 :List(Clamp);
  }
  struct Clamp {
    metric @0 :Text;
    lo @1 :Float64;
    hi @2 :Float64;
    resolution @3 :Float64;
  }
  struct RateLimit {
    queries @0 :Int64;
    windowMicros @1 :Int64;
    windowName @2 :Text;            # "minute", "hour" or "day", as written
  }
  struct Federation {
    consortium @0 :Text;
    minCohort @1 :UInt64;
  }
}

# What would happen to a partner's query now: the decision, and why.
struct PolicyCheck {
  allowed @0 :Bool;
  reason @1 :Text;                  # the reason of a refusal, or what admitted the query
  lines @2 :List(Text);             # notes, then one per deny rule and grant that applies
  release @3 :Text;                 # when allowed: how the answer would be released
}

struct BudgetInfo {
  partner @0 :Text;
  grant @1 :Text;
  budgetMicros @2 :Int64;     # millionths of epsilon
  spentMicros @3 :Int64;
  periodStart @4 :Int64;
  renewsAt @5 :Int64;
}

# One entry of the audit log (storage/audit_entry.h), field for field; bytes as they are hashed.
struct AuditEntry {
  seq @0 :UInt64;
  time @1 :Int64;
  partner @2 :Text;
  partnerFingerprint @3 :Text;
  requestHash @4 :Data;
  requestSignature @5 :Data;
  decision @6 :Decision;
  reason @7 :Text;
  grant @8 :Text;
  policyVersion @9 :UInt64;
  epsilonMicros @10 :Int64;
  resultHash @11 :Data;
  kind @12 :Kind;
  otherKind @13 :Text;        # the stored kind when `kind` is `other` (one this build does not know)
  prevHash @14 :Data;
  hash @15 :Data;

  enum Decision {
    allowed @0;
    denied @1;
    failed @2;
  }
  # Stored in the log as text: "query", "federated", "federated-request", "consortium-add",
  # "policy-apply", "partner-add", "partner-revoke" (protocol/audit_kind.h maps them).
  enum Kind {
    other @0;
    query @1;
    federated @2;
    federatedRequest @3;
    consortiumAdd @4;
    policyApply @5;
    partnerAdd @6;
    partnerRevoke @7;
    partnerAllow @8;
    keyRotation @9;
    federatedCounts @10;
  }
}

# `cairnctl audit verify`: how far the chain and the signed checkpoints verified.
struct AuditVerifyReport {
  ok @0 :Bool;
  entries @1 :UInt64;            # entries checked before the first problem (all if none)
  checkpoints @2 :UInt64;        # checkpoints checked before the first problem
  lastSeq @3 :UInt64;            # the last entry verified
  headHash @4 :Data;             # its hash
  lastCheckpointSeq @5 :UInt64;
  firstBadSeq @6 :UInt64;        # 0 when the log verified
  problem @7 :Text;              # "" when the log verified
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
      -> (version :UInt64, changes :PolicyChanges, warnings :List(Text));
  # The policy in force (version 0, no text and no grants when none was ever applied).
  policy @13 () -> (version :PolicyVersionInfo, text :Text, grants :List(Grant));
  policyHistory @14 () -> (versions :List(PolicyVersionInfo));
  removeGrant @15 (name :Text, appliedBy :Text) -> (version :UInt64, changes :PolicyChanges);
  # What would happen to this query from this partner now, and why; spends nothing.
  checkPolicy @16 (partner :Text, query :Query.Query) -> (check :PolicyCheck);

  # Audit entries, oldest first. auditShow finds one by `hash` when given, else by `seq`.
  auditTail @17 (count :UInt32) -> (entries :List(AuditEntry));
  auditShow @18 (seq :UInt64, hash :Data) -> (entry :AuditEntry);
  # At most maxEntries entries from fromSeq on; nextSeq is 0 after the last entry.
  auditExport @19 (fromSeq :UInt64, maxEntries :UInt32)
      -> (entries :List(AuditEntry), nextSeq :UInt64);
  auditVerify @20 () -> (report :AuditVerifyReport);

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
  standing @3 :Standing;            # how this daemon knows the member

  enum Standing {
    notRegistered @0;
    thisDaemon @1;
    partner @2;
    revokedPartner @3;
  }
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
  roundDigest @3 :Data;             # of the round that succeeded (its signed proposal)
  auditReceipt @4 :Data;            # hash of this daemon's "federated-request" entry

  struct MemberIssue {
    member @0 :Text;                # roster name
    call @1 :Call;
    dropped @2 :Bool;               # unreachable or failed to deliver (else: refused)
    reason @3 :Text;
  }
  enum Call {
    propose @0;
    announce @1;
    values @2;
  }
}
