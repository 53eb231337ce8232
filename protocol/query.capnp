# Aggregate queries and their results, as they travel between cairnctl, cairnd and partners.
# Mirrors model/query.h; protocol/convert.h translates and validates.
@0xac83909abeeaf33e;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::proto");

enum Aggregate {
  sum @0;
  count @1;
  mean @2;
  min @3;
  max @4;
  ratio @5;
}

enum Granularity {
  none @0;     # no grouping by time
  hour @1;
  day @2;
  week @3;
  month @4;
  quarter @5;
  year @6;
}

struct TagFilter {
  tag @0 :Text;
  values @1 :List(Text);
}

struct Query {
  metric @0 :Text;
  aggregate @1 :Aggregate;
  ratioDenominator @2 :Text;   # with aggregate = ratio
  from @3 :Int64;              # microseconds since the epoch, UTC, inclusive
  to @4 :Int64;                # exclusive
  timeGroup @5 :Granularity;
  groupTags @6 :List(Text);
  filters @7 :List(TagFilter);
}

struct ResultRow {
  hasBucket @0 :Bool;
  bucket @1 :Int64;            # start of the time group
  tags @2 :List(Text);         # one per Query.groupTags
  hasValue @3 :Bool;           # false: a ratio whose denominator summed to zero
  value @4 :Float64;
  records @5 :UInt64;
  series @6 :UInt64;
}

struct QueryStats {
  series @0 :UInt64;
  rollupBuckets @1 :UInt64;
  rawRecords @2 :UInt64;
}

struct QueryResult {
  timeGroup @0 :Granularity;
  groupTags @1 :List(Text);
  rows @2 :List(ResultRow);
  stats @3 :QueryStats;
}
