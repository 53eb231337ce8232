#include "protocol/convert.h"

#include <capnp/message.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace cairn {
namespace {

std::string Str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

// Text a peer sent. InvalidArgument if it holds a NUL byte: ToProto writes strings through
// c_str(), so such a value would be re-encoded cut short, and an answer would then be
// attested for another query than the one that ran.
absl::StatusOr<std::string> PeerText(capnp::Text::Reader t, absl::string_view field) {
  if (std::memchr(t.cStr(), '\0', t.size()) != nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": contains a NUL byte"));
  }
  return Str(t);
}

absl::Status TooMany(const char* what, size_t n, size_t max) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", n, " entries, at most ", max));
}

}  // namespace

proto::Granularity ToProto(std::optional<Granularity> g) {
  if (!g) return proto::Granularity::NONE;
  switch (*g) {
    case Granularity::kHour:
      return proto::Granularity::HOUR;
    case Granularity::kDay:
      return proto::Granularity::DAY;
    case Granularity::kWeek:
      return proto::Granularity::WEEK;
    case Granularity::kMonth:
      return proto::Granularity::MONTH;
    case Granularity::kQuarter:
      return proto::Granularity::QUARTER;
    case Granularity::kYear:
      return proto::Granularity::YEAR;
  }
  return proto::Granularity::NONE;
}

absl::StatusOr<std::optional<Granularity>> FromProto(proto::Granularity g) {
  switch (g) {
    case proto::Granularity::NONE:
      return std::optional<Granularity>();
    case proto::Granularity::HOUR:
      return std::optional<Granularity>(Granularity::kHour);
    case proto::Granularity::DAY:
      return std::optional<Granularity>(Granularity::kDay);
    case proto::Granularity::WEEK:
      return std::optional<Granularity>(Granularity::kWeek);
    case proto::Granularity::MONTH:
      return std::optional<Granularity>(Granularity::kMonth);
    case proto::Granularity::QUARTER:
      return std::optional<Granularity>(Granularity::kQuarter);
    case proto::Granularity::YEAR:
      return std::optional<Granularity>(Granularity::kYear);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("timeGroup: unknown granularity ", static_cast<int>(g)));
}

void ToProto(const Query& q, proto::Query::Builder out) {
  out.setMetric(q.metric);
  out.setAggregate(static_cast<proto::Aggregate>(static_cast<int>(q.aggregate)));
  out.setRatioDenominator(q.ratio_denominator);
  out.setFrom(q.from);
  out.setTo(q.to);
  out.setTimeGroup(ToProto(q.time_group));
  auto tags = out.initGroupTags(q.group_tags.size());
  for (size_t i = 0; i < q.group_tags.size(); ++i) tags.set(i, q.group_tags[i]);
  auto filters = out.initFilters(q.filters.size());
  for (size_t i = 0; i < q.filters.size(); ++i) {
    filters[i].setTag(q.filters[i].tag);
    auto values = filters[i].initValues(q.filters[i].values.size());
    for (size_t j = 0; j < q.filters[i].values.size(); ++j) values.set(j, q.filters[i].values[j]);
  }
}

absl::StatusOr<Query> FromProto(proto::Query::Reader in) {
  Query q;
  CAIRN_ASSIGN_OR_RETURN(q.metric, PeerText(in.getMetric(), "metric"));
  int agg = static_cast<int>(in.getAggregate());
  if (agg < 0 || agg > static_cast<int>(Aggregate::kRatio)) {
    return absl::InvalidArgumentError(absl::StrCat("aggregate: unknown value ", agg));
  }
  q.aggregate = static_cast<Aggregate>(agg);
  CAIRN_ASSIGN_OR_RETURN(q.ratio_denominator,
                         PeerText(in.getRatioDenominator(), "ratioDenominator"));
  q.from = in.getFrom();
  q.to = in.getTo();
  CAIRN_ASSIGN_OR_RETURN(q.time_group, FromProto(in.getTimeGroup()));
  // Lists are fetched once each: every fetch is charged to the traversal limit.
  auto group_tags = in.getGroupTags();
  if (group_tags.size() > kMaxQueryGroupTags) {
    return TooMany("groupTags", group_tags.size(), kMaxQueryGroupTags);
  }
  for (auto t : group_tags) {
    CAIRN_ASSIGN_OR_RETURN(std::string tag, PeerText(t, "groupTags"));
    q.group_tags.push_back(std::move(tag));
  }
  auto filters = in.getFilters();
  if (filters.size() > kMaxQueryFilters) {
    return TooMany("filters", filters.size(), kMaxQueryFilters);
  }
  for (auto f : filters) {
    TagFilter filter;
    CAIRN_ASSIGN_OR_RETURN(filter.tag, PeerText(f.getTag(), "filter tag"));
    auto values = f.getValues();
    if (values.size() > kMaxFilterValues) {
      return TooMany("filter values", values.size(), kMaxFilterValues);
    }
    for (auto v : values) {
      CAIRN_ASSIGN_OR_RETURN(std::string value, PeerText(v, "filter values"));
      filter.values.push_back(std::move(value));
    }
    q.filters.push_back(std::move(filter));
  }
  return q;
}

void ToProto(const QueryResult& r, proto::QueryResult::Builder out) {
  out.setTimeGroup(ToProto(r.time_group));
  auto tags = out.initGroupTags(r.group_tags.size());
  for (size_t i = 0; i < r.group_tags.size(); ++i) tags.set(i, r.group_tags[i]);
  auto rows = out.initRows(r.rows.size());
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const ResultRow& row = r.rows[i];
    auto b = rows[i];
    b.setHasBucket(row.bucket.has_value());
    b.setBucket(row.bucket.value_or(0));
    auto t = b.initTags(row.tags.size());
    for (size_t j = 0; j < row.tags.size(); ++j) t.set(j, row.tags[j]);
    b.setHasValue(row.value.has_value());
    b.setValue(row.value.value_or(0));
    b.setRecords(row.records);
    b.setSeries(row.series);
  }
  auto stats = out.initStats();
  stats.setSeries(r.stats.series);
  stats.setRollupBuckets(r.stats.rollup_buckets);
  stats.setRawRecords(r.stats.raw_records);
}

absl::StatusOr<QueryResult> FromProto(proto::QueryResult::Reader in) {
  QueryResult r;
  CAIRN_ASSIGN_OR_RETURN(r.time_group, FromProto(in.getTimeGroup()));
  for (auto t : in.getGroupTags()) {
    CAIRN_ASSIGN_OR_RETURN(std::string tag, PeerText(t, "groupTags"));
    r.group_tags.push_back(std::move(tag));
  }
  auto rows = in.getRows();
  r.rows.reserve(rows.size());
  for (auto row : rows) {
    ResultRow out;
    if (row.getHasBucket()) out.bucket = row.getBucket();
    auto tags = row.getTags();
    if (tags.size() != r.group_tags.size()) {
      return absl::InvalidArgumentError("rows: a row's tag count differs from groupTags");
    }
    for (auto t : tags) {
      CAIRN_ASSIGN_OR_RETURN(std::string tag, PeerText(t, "rows: tags"));
      out.tags.push_back(std::move(tag));
    }
    if (row.getHasValue()) out.value = row.getValue();
    out.records = row.getRecords();
    out.series = row.getSeries();
    r.rows.push_back(std::move(out));
  }
  auto stats = in.getStats();
  r.stats.series = stats.getSeries();
  r.stats.rollup_buckets = stats.getRollupBuckets();
  r.stats.raw_records = stats.getRawRecords();
  return r;
}

void ToProto(const RecordBatch& batch, proto::RecordBatch::Builder out) {
  auto series = out.initSeries(batch.series.size());
  for (size_t i = 0; i < batch.series.size(); ++i) {
    series[i].setMetric(batch.series[i].metric);
    auto tags = series[i].initTags(batch.series[i].tags.size());
    for (size_t j = 0; j < batch.series[i].tags.size(); ++j) {
      tags[j].setName(batch.series[i].tags[j].first);
      tags[j].setValue(batch.series[i].tags[j].second);
    }
  }
  size_t n = batch.points.size();
  auto index = out.initSeriesIndex(n);
  auto ts = out.initTimestamps(n);
  auto values = out.initValues(n);
  for (size_t i = 0; i < n; ++i) {
    index.set(i, batch.points[i].series_index);
    ts.set(i, batch.points[i].timestamp);
    values.set(i, batch.points[i].value);
  }
}

absl::StatusOr<RecordBatch> FromProto(proto::RecordBatch::Reader in) {
  RecordBatch batch;
  // Each get*() of a list charges the whole list to the message's traversal limit again, so
  // every list is fetched once: fetched per element, a batch of a few thousand series would
  // exceed the limit quadratically.
  auto series = in.getSeries();
  if (series.size() > kMaxBatchSeries) return TooMany("series", series.size(), kMaxBatchSeries);
  batch.series.reserve(series.size());
  for (size_t i = 0; i < series.size(); ++i) {
    auto s = series[i];
    SeriesKey key;
    const std::string where = absl::StrCat("series[", i, "]");
    CAIRN_ASSIGN_OR_RETURN(key.metric, PeerText(s.getMetric(), where));
    for (auto t : s.getTags()) {
      CAIRN_ASSIGN_OR_RETURN(std::string name, PeerText(t.getName(), where));
      CAIRN_ASSIGN_OR_RETURN(std::string value, PeerText(t.getValue(), where));
      key.tags.emplace_back(std::move(name), std::move(value));
    }
    absl::Status normalized = NormalizeTags(&key.tags);
    if (!normalized.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("series[", i, "]: ", normalized.message()));
    }
    batch.series.push_back(std::move(key));
  }
  auto index = in.getSeriesIndex();
  auto ts = in.getTimestamps();
  auto values = in.getValues();
  if (index.size() != ts.size() || ts.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat("columns differ in length: seriesIndex ",
                                                   index.size(), ", timestamps ", ts.size(),
                                                   ", values ", values.size()));
  }
  if (index.size() > kMaxBatchPoints) return TooMany("points", index.size(), kMaxBatchPoints);
  batch.points.resize(index.size());
  for (size_t i = 0; i < index.size(); ++i) {
    batch.points[i] = {index[i], ts[i], values[i]};
  }
  return batch;
}

void ToProto(const Metric& m, proto::Metric::Builder out) {
  out.setName(m.name);
  out.setUnit(m.unit);
  out.setDescription(m.description);
  out.setBuiltin(m.builtin);
}

Metric FromProto(proto::Metric::Reader in) {
  return Metric{Str(in.getName()), Str(in.getUnit()), Str(in.getDescription()), in.getBuiltin()};
}

namespace {

template <typename T, typename V>
std::string Canonical(const V& value) {
  capnp::MallocMessageBuilder message;
  ToProto(value, message.initRoot<T>());
  kj::Array<capnp::word> words = capnp::canonicalize(message.getRoot<T>().asReader());
  return std::string(reinterpret_cast<const char*>(words.begin()), words.asBytes().size());
}

}  // namespace

std::string CanonicalBytes(const Query& query) { return Canonical<proto::Query>(query); }
std::string CanonicalBytes(const QueryResult& result) {
  return Canonical<proto::QueryResult>(result);
}

absl::StatusOr<QueryResult> QueryResultFromBytes(absl::string_view bytes) {
  if (bytes.size() % sizeof(capnp::word) != 0) {
    return absl::DataLossError("a stored result is not a whole number of words");
  }
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  memcpy(words.begin(), bytes.data(), bytes.size());
  kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
  capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segments, 1));
  absl::StatusOr<QueryResult> result = absl::InternalError("unset");
  KJ_IF_MAYBE (e, kj::runCatchingExceptions(
                      [&] { result = FromProto(reader.getRoot<proto::QueryResult>()); })) {
    return absl::DataLossError(
        absl::StrCat("a stored result does not decode: ", e->getDescription().cStr()));
  }
  return result;
}

}  // namespace cairn
