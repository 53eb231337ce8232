# The partner-facing interface: what one company's daemon offers another over mutual TLS.
#
# After the TLS handshake (both sides pinned by key), the bootstrap capability IS the session:
# it is bound to the authenticated peer, so no call names who is asking. Nothing here carries a
# raw record: a partner sends a signed query and receives an aggregate result, signed by the
# answering daemon and sealed to the requester. protocol/partner_schema_test.cc enforces this.
@0xac60b052bb8e912f;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::proto");

using Q = import "query.capnp";
using Fed = import "federation.capnp";

# What the requester signs. Its canonical Cap'n Proto encoding is the signed message.
struct QueryRequest {
  query @0 :Q.Query;
  requesterKey @1 :Data;     # requester's Ed25519 public key (32 bytes)
  targetKey @2 :Data;        # answering daemon's Ed25519 public key (32 bytes)
  nonce @3 :Data;            # 24 random bytes, never reused
  issuedAt @4 :Int64;        # requester's clock, microseconds UTC
}

struct SignedRequest {
  request @0 :Data;          # canonical encoding of a QueryRequest
  signature @1 :Data;        # Ed25519 over "cairn/request/v1\0" || request
}

# What the answering daemon attests. Its canonical encoding is the signed message.
struct Attestation {
  query @0 :Q.Query;
  result @1 :Q.QueryResult;
  attesterKey @2 :Data;      # answering daemon's Ed25519 public key
  attesterName @3 :Text;     # its participant name (informational)
  requesterKey @4 :Data;     # who asked
  requestHash @5 :Data;      # SHA-256 of SignedRequest.request
  answeredAt @6 :Int64;      # microseconds UTC
  protection @7 :Protection;
}

# How the released figures were protected (filled in by the policy engine).
struct Protection {
  grant @0 :Text;            # the grant that allowed the query
  policyVersion @1 :UInt64;
  suppressedGroups @2 :UInt64;   # groups withheld for being too small
  noise @3 :Text;            # "" for exact figures, else the mechanism and its parameters
  epsilonSpent @4 :Float64;
  auditReceipt @5 :Data;     # hash of the audit entry recording this release
}

struct SignedResult {
  attestation @0 :Data;      # canonical encoding of an Attestation
  signature @1 :Data;        # Ed25519 by attesterKey over "cairn/result/v1\0" || attestation
}

interface PartnerSession {
  # Answers a signed query. `sealed` is a SignedResult, canonically encoded and sealed to the
  # requester's key (libsodium sealed box): only the requester can open it. A refused query
  # fails with "PERMISSION_DENIED: <reason>".
  query @0 (request :SignedRequest) -> (sealed :Data);

  # This daemon's side of federated rounds (federation.capnp), for the same authenticated
  # partner: a round's requester must be the peer of the connection that proposes it. Every
  # call carries one end-to-end signed message and returns one; nothing but masked aggregate
  # vectors and signed commitments comes back.
  federation @1 () -> (federation :Fed.Federation);
}
