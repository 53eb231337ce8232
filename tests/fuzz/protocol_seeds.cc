#include "tests/fuzz/protocol_seeds.h"

#include <capnp/message.h>

#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "model/query.h"
#include "model/series.h"
#include "protocol/convert.h"
#include "protocol/signed_envelope.h"
#include "tests/fuzz/protocol_fuzz_check.h"

namespace cairn {
namespace {

constexpr Timestamp kJan2026 = 1767225600LL * kMicrosPerSecond;
constexpr Timestamp kApr2026 = 1775001600LL * kMicrosPerSecond;
constexpr Timestamp kMonth = 31LL * 24 * 3600 * kMicrosPerSecond;

Query SumOfEnergy() {
  Query q;
  q.metric = "energy";
  return q;
}

Query CbamRatio() {
  Query q;
  q.metric = "co2e_scope1";
  q.aggregate = Aggregate::kRatio;
  q.ratio_denominator = "units_produced";
  q.from = kJan2026;
  q.to = kApr2026;
  q.time_group = Granularity::kMonth;
  q.group_tags = {"product"};
  q.filters = {{"site", {"plant-a", "plant-b"}}, {"product", {"P-100"}}};
  return q;
}

Query DailyMeanByLine() {
  Query q;
  q.metric = "energy";
  q.aggregate = Aggregate::kMean;
  q.from = kJan2026;
  q.to = kJan2026 + 7 * 24 * 3600 * kMicrosPerSecond;
  q.time_group = Granularity::kDay;
  q.group_tags = {"line", "site"};
  q.filters = {{"shift", {"early", "late", "night"}}};
  return q;
}

QueryResult MonthlyByProduct() {
  QueryResult r;
  r.time_group = Granularity::kMonth;
  r.group_tags = {"product"};
  r.rows.push_back({kJan2026, {"P-100"}, 1.25, 310, 2});
  r.rows.push_back({kJan2026 + kMonth, {"P-100"}, 1.5, 280, 2});
  r.rows.push_back({kJan2026 + 2 * kMonth, {"P-100"}, std::nullopt, 12, 1});
  r.stats = {4, 9, 120};
  return r;
}

QueryResult Total() {
  QueryResult r;
  r.rows.push_back({std::nullopt, {}, 48213.5, 9000, 3});
  r.stats = {3, 36, 0};
  return r;
}

RecordBatch TwoSeries() {
  RecordBatch b;
  b.series.push_back({"energy", {{"line", "L1"}, {"site", "plant-a"}}});
  b.series.push_back({"units_produced", {{"product", "P-100"}, {"site", "plant-a"}}});
  for (uint32_t i = 0; i < 6; ++i) {
    b.points.push_back({i % 2, kJan2026 + i * 3600LL * kMicrosPerSecond, 100.0 + i});
  }
  return b;
}

AttestationInfo Attest(const Query& query, const QueryResult& result, std::string noise) {
  const SignedBytes request =
      *SignQueryRequest(FuzzRequester(), FuzzAttester().public_key(), query, kApr2026);
  AttestationInfo info{query,
                       result,
                       FuzzAttester().public_key(),
                       "Fuzz Steel AG",
                       FuzzRequester().public_key(),
                       (*OpenQueryRequest(request)).hash,
                       kApr2026 + 1000,
                       {}};
  info.protection.grant = noise.empty() ? "cbam-customer" : "energy-benchmark";
  info.protection.policy_version = 3;
  info.protection.suppressed_groups = noise.empty() ? 0 : 1;
  info.protection.noise = std::move(noise);
  info.protection.epsilon_spent = info.protection.noise.empty() ? 0 : 0.25;
  info.protection.audit_receipt = std::string(32, '\x5a');
  return info;
}

// `value` encoded as the root of a message; with `tiny_segments`, spread over many segments.
template <typename Proto, typename Model>
std::string Wire(WireType type, const Model& value, bool tiny_segments = false) {
  capnp::MallocMessageBuilder message(
      tiny_segments ? 4 : capnp::SUGGESTED_FIRST_SEGMENT_WORDS,
      tiny_segments ? capnp::AllocationStrategy::FIXED_SIZE : capnp::SUGGESTED_ALLOCATION_STRATEGY);
  ToProto(value, message.initRoot<Proto>());
  return WireFuzzInput(type, message);
}

}  // namespace

std::vector<ProtocolCorpus> MakeProtocolSeeds() {
  std::vector<ProtocolCorpus> out;

  ProtocolCorpus requests{"query_request", &OpenRequestAndCheck, {}};
  const std::pair<const char*, Query> queries[] = {
      {"sum", SumOfEnergy()}, {"cbam_ratio", CbamRatio()}, {"daily_mean", DailyMeanByLine()}};
  for (const auto& [name, query] : queries) {
    const SignedBytes request =
        *SignQueryRequest(FuzzRequester(), FuzzAttester().public_key(), query, kApr2026);
    requests.seeds.push_back(
        {absl::StrCat("real_", name, "_signed"), RequestFuzzInput(request, false)});
    requests.seeds.push_back(
        {absl::StrCat("real_", name, "_resign"), RequestFuzzInput(request, true)});
  }
  out.push_back(std::move(requests));

  const SignedBytes exact =
      *SignAttestation(FuzzAttester(), Attest(CbamRatio(), MonthlyByProduct(), ""));
  const SignedBytes noisy = *SignAttestation(
      FuzzAttester(), Attest(SumOfEnergy(), Total(), "discrete-laplace(scale=4.0)"));
  out.push_back({"signed_result",
                 &VerifyResultAndCheck,
                 {{"real_exact_signed", ResultFuzzInput(exact, false)},
                  {"real_exact_resign", ResultFuzzInput(exact, true)},
                  {"real_noisy_signed", ResultFuzzInput(noisy, false)},
                  {"real_noisy_resign", ResultFuzzInput(noisy, true)}}});
  out.push_back({"armored_result",
                 &DearmorResultAndCheck,
                 {{"real_exact.txt", ArmorSignedResult(exact)},
                  {"real_noisy.txt", ArmorSignedResult(noisy)}}});

  out.push_back(
      {"proto_convert",
       &DecodeWireMessageAndCheck,
       {{"real_query_sum", Wire<proto::Query>(WireType::kQuery, SumOfEnergy())},
        {"real_query_cbam", Wire<proto::Query>(WireType::kQuery, CbamRatio())},
        {"real_query_daily_segmented",
         Wire<proto::Query>(WireType::kQuery, DailyMeanByLine(), true)},
        {"real_result_monthly",
         Wire<proto::QueryResult>(WireType::kQueryResult, MonthlyByProduct())},
        {"real_result_total", Wire<proto::QueryResult>(WireType::kQueryResult, Total())},
        {"real_result_segmented",
         Wire<proto::QueryResult>(WireType::kQueryResult, MonthlyByProduct(), true)},
        {"real_batch", Wire<proto::RecordBatch>(WireType::kRecordBatch, TwoSeries())},
        {"real_batch_empty", Wire<proto::RecordBatch>(WireType::kRecordBatch, RecordBatch())},
        {"real_batch_segmented",
         Wire<proto::RecordBatch>(WireType::kRecordBatch, TwoSeries(), true)}}});
  return out;
}

}  // namespace cairn
