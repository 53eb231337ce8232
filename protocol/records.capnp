# Records as cairnctl sends them to the daemon for import: a dictionary of series and the
# points that reference it, column-wise so that a batch of 50k points is one compact message.
@0xe8e6f4f2228398a7;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::proto");

struct Tag {
  name @0 :Text;
  value @1 :Text;
}

struct SeriesKey {
  metric @0 :Text;
  tags @1 :List(Tag);
}

struct RecordBatch {
  series @0 :List(SeriesKey);
  # Parallel columns, one entry per point.
  seriesIndex @1 :List(UInt32);
  timestamps @2 :List(Int64);    # microseconds since the epoch, UTC
  values @3 :List(Float64);      # canonical unit of the series' metric
}

struct ImportOutcome {
  inserted @0 :UInt64;
  replaced @1 :UInt64;
  unchanged @2 :UInt64;
  newSeries @3 :UInt64;
}

struct Metric {
  name @0 :Text;
  unit @1 :Text;
  description @2 :Text;
  builtin @3 :Bool;
}
