# The baseline of issue 3's partner benchmark, and nothing else: the same query as a partner
# asks, over the same Cap'n Proto RPC, but without TLS, signatures, sealing, policy or audit.
# The rows come back in the clear. Served by clear_query_server on loopback only, for the
# duration of a benchmark run; it is not a Cairn interface.
@0xbf9d9ef8ebbca301;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::bench");

using Q = import "../protocol/query.capnp";

interface ClearQuery {
  query @0 (query :Q.Query) -> (result :Q.QueryResult);
}
