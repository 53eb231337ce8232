// Translation between the model (model/*.h) and the Cap'n Proto wire types (protocol/*.capnp).
//
// The From* functions read bytes a peer sent: they check every length and enum and return
// InvalidArgument naming the field instead of trusting the message. Stateless; thread-safe.
#ifndef CAIRN_PROTOCOL_CONVERT_H_
#define CAIRN_PROTOCOL_CONVERT_H_

#include "absl/status/statusor.h"
#include "model/metric_registry.h"
#include "model/query.h"
#include "model/series.h"
#include "protocol/query.capnp.h"
#include "protocol/records.capnp.h"

namespace cairn {

// Bounds on what one message may carry; they protect the daemon's memory from a peer.
inline constexpr size_t kMaxBatchPoints = 1 << 20;
inline constexpr size_t kMaxBatchSeries = 1 << 18;
inline constexpr size_t kMaxQueryGroupTags = 16;
inline constexpr size_t kMaxQueryFilters = 32;
inline constexpr size_t kMaxFilterValues = 1024;

void ToProto(const Query& query, proto::Query::Builder out);
absl::StatusOr<Query> FromProto(proto::Query::Reader in);

void ToProto(const QueryResult& result, proto::QueryResult::Builder out);
absl::StatusOr<QueryResult> FromProto(proto::QueryResult::Reader in);

void ToProto(const RecordBatch& batch, proto::RecordBatch::Builder out);
// Also normalises each series' tags (NormalizeTags) and checks the columns have one length.
absl::StatusOr<RecordBatch> FromProto(proto::RecordBatch::Reader in);

void ToProto(const Metric& metric, proto::Metric::Builder out);
Metric FromProto(proto::Metric::Reader in);

// Canonical Cap'n Proto encodings: equal values give equal bytes. For hashing (audit entries),
// cache keys (released answers) and storing released results.
std::string CanonicalBytes(const Query& query);
std::string CanonicalBytes(const QueryResult& result);
absl::StatusOr<QueryResult> QueryResultFromBytes(absl::string_view bytes);

proto::Granularity ToProto(std::optional<Granularity> g);
absl::StatusOr<std::optional<Granularity>> FromProto(proto::Granularity g);

}  // namespace cairn

#endif  // CAIRN_PROTOCOL_CONVERT_H_
