# A recursive schema for hostile_message_test. Nothing in Cairn's wire format recurses, so this
# is how a test builds messages deeper than the nesting limit, and pointer cycles, and puts
# them where the decoders expect a Query.
@0xee269f61d29b359d;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::testdata");

struct Node {
  child @0 :Node;        # ptr[0]: where a Query keeps its metric
  label @1 :Text;
}

# Laid out like partner.capnp's QueryRequest, with a Node where the Query belongs.
struct NodeRequest {
  query @0 :Node;
  requesterKey @1 :Data;
  targetKey @2 :Data;
  nonce @3 :Data;
  issuedAt @4 :Int64;
}
