#include "tests/fuzz/protocol_fuzz_check.h"

#include <capnp/serialize.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/hash.h"
#include "crypto/signing.h"
#include "model/metric_registry.h"
#include "model/query.h"
#include "model/series.h"
#include "protocol/convert.h"
#include "tests/fuzz/fuzz_check.h"

namespace cairn {
namespace {

// The domain tags of protocol/partner.capnp; a payload is signed as tag || payload.
constexpr absl::string_view kRequestDomain("cairn/request/v1\0", 17);
constexpr absl::string_view kResultDomain("cairn/result/v1\0", 16);
constexpr size_t kMaxEnvelopeBytes = 1 << 20;

const Identity& FixedIdentity(uint8_t seed_byte) {
  SecretArray<kSeedBytes> seed;
  std::fill(seed.data(), seed.data() + kSeedBytes, seed_byte);
  return *new Identity(Identity::FromSeed(seed));
}

void CheckRefusal(const absl::Status& status, std::initializer_list<absl::StatusCode> allowed,
                  const char* promise) {
  FuzzCheck(std::find(allowed.begin(), allowed.end(), status.code()) != allowed.end(), promise);
  FuzzCheck(!status.message().empty(), "a refusal says what is wrong");
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

bool SameQuery(const Query& a, const Query& b) {
  if (a.metric != b.metric || a.aggregate != b.aggregate ||
      a.ratio_denominator != b.ratio_denominator || a.from != b.from || a.to != b.to ||
      a.time_group != b.time_group || a.group_tags != b.group_tags ||
      a.filters.size() != b.filters.size()) {
    return false;
  }
  for (size_t i = 0; i < a.filters.size(); ++i) {
    if (a.filters[i].tag != b.filters[i].tag || a.filters[i].values != b.filters[i].values) {
      return false;
    }
  }
  return true;
}

bool SameResult(const QueryResult& a, const QueryResult& b) {
  if (a.time_group != b.time_group || a.group_tags != b.group_tags ||
      a.rows.size() != b.rows.size() || a.stats.series != b.stats.series ||
      a.stats.rollup_buckets != b.stats.rollup_buckets ||
      a.stats.raw_records != b.stats.raw_records) {
    return false;
  }
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const ResultRow& x = a.rows[i];
    const ResultRow& y = b.rows[i];
    if (x.bucket != y.bucket || x.tags != y.tags || x.value.has_value() != y.value.has_value() ||
        (x.value && !SameBits(*x.value, *y.value)) || x.records != y.records ||
        x.series != y.series) {
      return false;
    }
  }
  return true;
}

bool SameBatch(const RecordBatch& a, const RecordBatch& b) {
  if (!(a.series == b.series) || a.points.size() != b.points.size()) return false;
  for (size_t i = 0; i < a.points.size(); ++i) {
    const RecordBatch::Point& x = a.points[i];
    const RecordBatch::Point& y = b.points[i];
    if (x.series_index != y.series_index || x.timestamp != y.timestamp ||
        !SameBits(x.value, y.value)) {
      return false;
    }
  }
  return true;
}

bool SameSignedBytes(const SignedBytes& a, const SignedBytes& b) {
  return a.payload == b.payload && a.signature == b.signature;
}

// Encodes `value` with ToProto and decodes it again with FromProto.
template <typename Proto, typename Model>
absl::StatusOr<Model> RoundTrip(const Model& value) {
  capnp::MallocMessageBuilder message;
  ToProto(value, message.initRoot<Proto>());
  return FromProto(message.getRoot<Proto>().asReader());
}

// convert.h's promises on a decoded Query, and ValidateQuery's on what it accepts (the daemon
// validates every query it decodes, so the validator sees the same hostile values).
void CheckQuery(const Query& q) {
  static const MetricRegistry* registry = new MetricRegistry();
  FuzzCheck(q.group_tags.size() <= kMaxQueryGroupTags, "at most kMaxQueryGroupTags group tags");
  FuzzCheck(q.filters.size() <= kMaxQueryFilters, "at most kMaxQueryFilters filters");
  for (const TagFilter& f : q.filters) {
    FuzzCheck(f.values.size() <= kMaxFilterValues, "at most kMaxFilterValues values a filter");
  }
  const int aggregate = static_cast<int>(q.aggregate);
  FuzzCheck(aggregate >= 0 && aggregate <= static_cast<int>(Aggregate::kRatio),
            "the aggregate is a known one");
  if (q.time_group) {
    const int g = static_cast<int>(*q.time_group);
    FuzzCheck(g >= 0 && g <= static_cast<int>(Granularity::kYear), "the granularity is known");
  }
  const absl::StatusOr<Query> again = RoundTrip<proto::Query>(q);
  FuzzCheck(again.ok() && SameQuery(*again, q), "a decoded Query re-encodes to itself");

  const absl::Status valid = ValidateQuery(q, *registry);
  if (!valid.ok()) {
    CheckRefusal(valid, {absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound},
                 "ValidateQuery refuses with InvalidArgument or NotFound");
    return;
  }
  FuzzCheck(registry->Find(q.metric) != nullptr, "a valid query names a known metric");
  FuzzCheck((q.aggregate == Aggregate::kRatio) == !q.ratio_denominator.empty(),
            "a valid query has a denominator iff it is a ratio");
  FuzzCheck(q.ratio_denominator.empty() || registry->Find(q.ratio_denominator) != nullptr,
            "a valid ratio names a known denominator");
  FuzzCheck(kMinTimestamp <= q.from && q.from < q.to && q.to <= kMaxTimestamp,
            "a valid query has a non-empty range within the supported years");
  FuzzCheck(
      std::set<std::string>(q.group_tags.begin(), q.group_tags.end()).size() == q.group_tags.size(),
      "a valid query groups by each tag once");
  for (const TagFilter& f : q.filters) {
    FuzzCheck(!f.values.empty(), "a valid filter has values");
  }
  FuzzCheck(!DescribeQuery(q).empty(), "a valid query can be described");
}

void CheckQueryResult(const QueryResult& r) {
  for (const ResultRow& row : r.rows) {
    FuzzCheck(row.tags.size() == r.group_tags.size(), "a row has one tag per group tag");
  }
  const absl::StatusOr<QueryResult> again = RoundTrip<proto::QueryResult>(r);
  FuzzCheck(again.ok() && SameResult(*again, r), "a decoded QueryResult re-encodes to itself");
}

void CheckRecordBatch(const RecordBatch& b) {
  FuzzCheck(b.series.size() <= kMaxBatchSeries, "at most kMaxBatchSeries series");
  FuzzCheck(b.points.size() <= kMaxBatchPoints, "at most kMaxBatchPoints points");
  for (const SeriesKey& key : b.series) {
    Tags tags = key.tags;
    FuzzCheck(NormalizeTags(&tags).ok() && tags == key.tags, "series tags are normalised");
  }
  const absl::StatusOr<RecordBatch> again = RoundTrip<proto::RecordBatch>(b);
  FuzzCheck(again.ok() && SameBatch(*again, b), "a decoded RecordBatch re-encodes to itself");
}

// VerifySignedResult's promises; returns its verdict.
absl::Status VerifyAndCheck(const SignedBytes& result) {
  const absl::StatusOr<AttestationInfo> info = VerifySignedResult(result);
  if (!info.ok()) {
    CheckRefusal(info.status(),
                 {absl::StatusCode::kInvalidArgument, absl::StatusCode::kUnauthenticated},
                 "VerifySignedResult refuses with InvalidArgument or Unauthenticated");
    return info.status();
  }
  FuzzCheck(result.payload.size() <= kMaxEnvelopeBytes, "a verified payload is at most 1 MiB");
  const absl::StatusOr<Signature> signature = Signature::FromBytes(result.signature);
  FuzzCheck(
      signature.ok() &&
          Verify(info->attester, absl::StrCat(kResultDomain, result.payload), *signature).ok(),
      "a verified result is signed by the attester it names");
  FuzzCheck(!OpenQueryRequest(result).ok(), "a result never passes for a request");
  CheckQuery(info->query);
  CheckQueryResult(info->result);
  return absl::OkStatus();
}

template <typename Proto, typename Model>
absl::StatusOr<Model> ReadWire(kj::ArrayPtr<const capnp::word> words) {
  absl::StatusOr<Model> out = absl::UnknownError("not decoded");
  try {
    capnp::FlatArrayMessageReader reader(words, EnvelopeReaderOptions());
    out = FromProto(reader.getRoot<Proto>());
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("Cap'n Proto: ", e.getDescription().cStr()));
  }
  if (!out.ok()) {
    CheckRefusal(out.status(), {absl::StatusCode::kInvalidArgument},
                 "FromProto refuses with InvalidArgument");
  }
  return out;
}

}  // namespace

const Identity& FuzzRequester() {
  static const Identity& identity = FixedIdentity(0x51);
  return identity;
}

const Identity& FuzzAttester() {
  static const Identity& identity = FixedIdentity(0x52);
  return identity;
}

std::string SignRequestPayload(const Identity& requester, absl::string_view payload) {
  return std::string(Sign(requester, absl::StrCat(kRequestDomain, payload)).AsStringView());
}

std::string SignResultPayload(const Identity& attester, absl::string_view payload) {
  return std::string(Sign(attester, absl::StrCat(kResultDomain, payload)).AsStringView());
}

absl::Status OpenRequestAndCheck(absl::string_view input) {
  if (input.empty()) return absl::InvalidArgumentError("no mode byte");
  const bool resign = (input[0] & 1) != 0;
  input.remove_prefix(1);
  SignedBytes request;
  if (resign) {
    request.payload = std::string(input);
    request.signature = SignRequestPayload(FuzzRequester(), request.payload);
  } else {
    const size_t split = std::min(input.size(), kSignatureBytes);
    request.signature = std::string(input.substr(0, split));
    request.payload = std::string(input.substr(split));
  }
  const absl::StatusOr<QueryRequestInfo> info = OpenQueryRequest(request);
  if (!info.ok()) {
    CheckRefusal(info.status(),
                 {absl::StatusCode::kInvalidArgument, absl::StatusCode::kUnauthenticated},
                 "OpenQueryRequest refuses with InvalidArgument or Unauthenticated");
    return info.status();
  }
  FuzzCheck(request.payload.size() <= kMaxEnvelopeBytes, "an opened payload is at most 1 MiB");
  const absl::StatusOr<Signature> signature = Signature::FromBytes(request.signature);
  FuzzCheck(
      signature.ok() &&
          Verify(info->requester, absl::StrCat(kRequestDomain, request.payload), *signature).ok(),
      "an opened request is signed by the requester it names");
  FuzzCheck(info->nonce.size() == kNonceBytes, "the nonce has kNonceBytes");
  FuzzCheck(info->hash == Sha256(request.payload), "the hash is SHA-256 of the payload");
  FuzzCheck(!VerifySignedResult(request).ok(), "a request never passes for a result");
  CheckQuery(info->query);
  return absl::OkStatus();
}

std::string RequestFuzzInput(const SignedBytes& request, bool resign) {
  return resign ? absl::StrCat("\x01", request.payload)
                : absl::StrCat(absl::string_view("\0", 1), request.signature, request.payload);
}

absl::Status VerifyResultAndCheck(absl::string_view input) {
  if (input.empty()) return absl::InvalidArgumentError("no mode byte");
  const bool resign = (input[0] & 1) != 0;
  input.remove_prefix(1);
  absl::StatusOr<SignedBytes> result = DecodeSignedResult(input);
  if (!result.ok()) {
    CheckRefusal(result.status(), {absl::StatusCode::kInvalidArgument},
                 "DecodeSignedResult refuses with InvalidArgument");
    return result.status();
  }
  const absl::StatusOr<SignedBytes> decoded_again = DecodeSignedResult(EncodeSignedResult(*result));
  FuzzCheck(decoded_again.ok() && SameSignedBytes(*decoded_again, *result),
            "a decoded SignedResult re-encodes to itself");
  const absl::StatusOr<SignedBytes> dearmored = DearmorSignedResult(ArmorSignedResult(*result));
  FuzzCheck(dearmored.ok() && SameSignedBytes(*dearmored, *result),
            "a decoded SignedResult survives armouring");
  if (resign) result->signature = SignResultPayload(FuzzAttester(), result->payload);
  return VerifyAndCheck(*result);
}

std::string ResultFuzzInput(const SignedBytes& result, bool resign) {
  return absl::StrCat(resign ? absl::string_view("\x01") : absl::string_view("\0", 1),
                      EncodeSignedResult(result));
}

absl::Status DearmorResultAndCheck(absl::string_view text) {
  absl::StatusOr<SignedBytes> result = DearmorSignedResult(text);
  if (!result.ok()) {
    CheckRefusal(result.status(), {absl::StatusCode::kInvalidArgument},
                 "DearmorSignedResult refuses with InvalidArgument");
    return result.status();
  }
  const absl::StatusOr<SignedBytes> again = DearmorSignedResult(ArmorSignedResult(*result));
  FuzzCheck(again.ok() && SameSignedBytes(*again, *result), "a dearmoured result re-armours");
  const absl::Status verdict = VerifyAndCheck(*result);
  result->signature = SignResultPayload(FuzzAttester(), result->payload);
  VerifyAndCheck(*result).IgnoreError();  // the promises are checked inside
  return verdict;
}

absl::Status DecodeWireMessageAndCheck(absl::string_view input) {
  if (input.empty()) return absl::InvalidArgumentError("no type byte");
  const WireType type = static_cast<WireType>(static_cast<uint8_t>(input[0]) % kWireTypes);
  input.remove_prefix(1);
  kj::Array<capnp::word> words =
      kj::heapArray<capnp::word>((input.size() + sizeof(capnp::word) - 1) / sizeof(capnp::word));
  std::memset(words.begin(), 0, words.asBytes().size());
  std::memcpy(words.begin(), input.data(), input.size());
  switch (type) {
    case WireType::kQuery: {
      const absl::StatusOr<Query> q = ReadWire<proto::Query, Query>(words);
      if (q.ok()) CheckQuery(*q);
      return q.status();
    }
    case WireType::kQueryResult: {
      const absl::StatusOr<QueryResult> r = ReadWire<proto::QueryResult, QueryResult>(words);
      if (r.ok()) CheckQueryResult(*r);
      return r.status();
    }
    case WireType::kRecordBatch: {
      const absl::StatusOr<RecordBatch> b = ReadWire<proto::RecordBatch, RecordBatch>(words);
      if (b.ok()) CheckRecordBatch(*b);
      return b.status();
    }
  }
  return absl::InternalError("unreachable");
}

std::string WireFuzzInput(WireType type, capnp::MessageBuilder& message) {
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  const kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return absl::StrCat(
      std::string(1, static_cast<char>(type)),
      absl::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
}

}  // namespace cairn
