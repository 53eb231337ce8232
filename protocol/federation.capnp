# Federated queries with secure aggregation (issue 5): the messages of one round, the
# published result, and a member's persistent memory. federation/ builds, signs and checks
# them; federation/DESIGN-federation.md explains the protocol.
#
# Every signed message travels as a `Signed`: `body` is the Cap'n Proto encoding of the struct
# named in the comment, and `signature` is Ed25519 over "<label>\0" || body, the label saying
# which kind of message it is (so one kind can never be replayed as another). The receiver
# reads the signer's key from the body, checks the signature over the exact bytes it received,
# and only then uses the rest of the body.
@0xc2d8003c1868facf;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::proto");

using Q = import "query.capnp";

struct Signed {
  body @0 :Data;
  signature @1 :Data;          # 64 bytes
}

# Step 1, requester -> each proposed member. Label "cairn/federation/proposal/v1".
# Its body's BLAKE2b-256 (with label "cairn/federation/round/v1") is the round digest that
# every later message of the round names, and that the masks are bound to.
struct Proposal {
  consortium @0 :Text;         # the roster's consortium name
  queryId @1 :Data;            # 16..64 fresh random bytes
  requesterKey @2 :Data;       # Ed25519 public key (32 bytes); signs this message
  issuedAt @3 :Int64;          # requester's clock, microseconds UTC
  query @4 :Q.Query;           # sum, count, mean or ratio
  groupValues @5 :List(GroupValues);  # one per query.groupTags: the key space
  minContributors @6 :UInt32;  # a group's figures are released only with this many contributors
  cohort @7 :List(Data);       # proposed members' public keys
}

# The values of one grouping tag that make up the key space, in order.
struct GroupValues {
  values @0 :List(Text);
}

# Step 2, member -> requester. Label "cairn/federation/commitment/v1".
struct Commitment {
  roundDigest @0 :Data;        # 32 bytes
  memberKey @1 :Data;          # signs this message
  accepted @2 :Bool;
  reason @3 :Text;             # why not, when refused
}

# Step 3, requester -> each committed member. Label "cairn/federation/announcement/v1".
struct Announcement {
  roundDigest @0 :Data;
  cohort @1 :List(Data);       # the final cohort: a subset of the proposed one
  requesterKey @2 :Data;       # signs this message; the proposal's requester
}

enum Phase {
  counts @0;                   # per group of the key space: does the member contribute?
  values @1;                   # fixed-point figures of the released groups
}

# Step 3 and 4, member -> requester. Label "cairn/federation/contribution/v1".
# A counts contribution carries commitments and proofs and no words; a values contribution
# words only (federation/count_phase.h and federation/tally.h).
struct Contribution {
  roundDigest @0 :Data;
  cohortHash @1 :Data;         # crypto HashCohort of the final cohort, as this member saw it
  phase @2 :Phase;
  memberKey @3 :Data;          # signs this message
  words @4 :List(UInt64);      # values: the masked vector, in Z/2^64
  commitments @5 :Data;        # counts: 32-byte ristretto255 points, the canary's and then one
                               # per group of the key space (crypto/bit_commitment.h)
  proofs @6 :Data;             # counts: 128-byte proofs that a commitment opens to 0 or 1, one
                               # per group
}

# Step 4, requester -> each member of the final cohort: every member's signed count
# contribution, so that each member computes the contributor counts itself and checks the
# proofs of the groups that would be released.
struct ValuesRequest {
  roundDigest @0 :Data;
  counts @1 :List(Signed);     # Contribution bodies, phase counts, one per cohort member
}

# One group of the key space in a published result.
struct FederatedRow {
  hasBucket @0 :Bool;
  bucket @1 :Int64;
  tags @2 :List(Text);
  contributors @3 :UInt32;
  released @4 :Bool;           # contributors >= minContributors
  totals @5 :List(Text);       # exact decimal totals of the components (see federation/tally.h)
  hasValue @6 :Bool;
  value @7 :Float64;           # the total, mean or ratio
}

# The outcome of a round: enough for anyone holding the roster to recompute and check it.
struct FederatedResult {
  proposal @0 :Signed;
  announcement @1 :Signed;
  counts @2 :List(Signed);     # in final-cohort order
  values @3 :List(Signed);     # in final-cohort order
  rows @4 :List(FederatedRow); # groups with at least one contributor, in key-space order
}

# A member's memory of the cohorts it released figures to (federation/cohort_memory.h).
struct CohortMemory {
  entries @0 :List(Entry);
  struct Entry {
    metric @0 :Text;
    from @1 :Int64;
    to @2 :Int64;
    members @3 :List(Text);    # fingerprints ("ed25519:..."), sorted by their bytes
    recordedAt @4 :Int64;
  }
}

# What a member's daemon offers the requester's daemon (over mutual TLS). Each call carries
# one encoded message and returns one; an error reply is a failed call.
interface Federation {
  propose @0 (proposal :Data) -> (commitment :Data);        # Signed(Proposal) -> Signed(Commitment)
  announce @1 (announcement :Data) -> (contribution :Data); # Signed(Announcement) -> Signed(Contribution)
  values @2 (request :Data) -> (contribution :Data);        # ValuesRequest -> Signed(Contribution)
}
