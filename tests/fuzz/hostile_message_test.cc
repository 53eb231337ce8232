// Hand-made hostile Cap'n Proto messages against the partner-facing decoders: the same list
// referenced many times (amplification), pointer cycles, far pointers to nowhere, messages
// deeper than the nesting limit, payloads over the size limit, and truncated input. Each must
// be refused with InvalidArgument, quickly and without a crash; each attack sits beside a
// benign message of the same shape that is accepted, so a refusal shows the limit at work and
// not a mistake in the hand assembly.
//
// Signed envelopes are signed afresh by FuzzRequester() / FuzzAttester(), which the messages
// name, so a refusal is the decoder's and never the signature's. The checks of
// protocol_fuzz_check.h run on everything decoded.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "model/query.h"
#include "protocol/convert.h"
#include "protocol/signed_envelope.h"
#include "tests/fuzz/protocol_fuzz_check.h"
#include "tests/fuzz/testdata/nested.capnp.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

// A status's message as a std::string, which gtest prints readably.
std::string Why(const absl::Status& status) { return std::string(status.message()); }

// Cap'n Proto list element sizes (encoding spec).
enum ElementSize : uint64_t { kByte = 2, kEightBytes = 5, kPointer = 6, kComposite = 7 };

// Assembles a message word by word, to build what capnp::MessageBuilder never would: shared
// targets, cycles, far pointers into nowhere. Words are addressed by (segment, index).
class RawMessage {
 public:
  explicit RawMessage(int segments = 1) : segments_(segments) {}

  // Appends `n` zero words to `segment`; returns the index of the first.
  uint32_t Alloc(uint32_t n, int segment = 0) {
    std::vector<uint64_t>& s = segments_[segment];
    s.resize(s.size() + n);
    return static_cast<uint32_t>(s.size() - n);
  }
  void Set(uint32_t at, uint64_t word, int segment = 0) { segments_[segment][at] = word; }

  void PointStruct(uint32_t at, uint32_t target, uint16_t data_words, uint16_t pointers,
                   int segment = 0) {
    Set(at, Offset(at, target) | uint64_t{data_words} << 32 | uint64_t{pointers} << 48, segment);
  }
  void PointList(uint32_t at, uint32_t target, ElementSize size, uint32_t count, int segment = 0) {
    Set(at, Offset(at, target) | 1 | uint64_t{size} << 32 | uint64_t{count} << 35, segment);
  }
  // A list of `count` structs at `tag` (the tag word, then the elements); returns the first
  // element's index.
  uint32_t PointStructList(uint32_t at, uint32_t tag, uint32_t count, uint16_t data_words,
                           uint16_t pointers) {
    const uint32_t words = count * (data_words + pointers);
    PointList(at, tag, kComposite, words);
    Set(tag, uint64_t{count} << 2 | uint64_t{data_words} << 32 | uint64_t{pointers} << 48);
    return tag + 1;
  }
  void PointFar(uint32_t at, int target_segment, uint32_t landing_pad, int segment = 0) {
    Set(at, uint64_t{landing_pad} << 3 | 2 | uint64_t(target_segment) << 32, segment);
  }
  // Allocates `bytes` (plus a NUL for text); returns the index of the first word.
  uint32_t AllocBytes(absl::string_view bytes, bool text) {
    const uint32_t target = Alloc(static_cast<uint32_t>((bytes.size() + (text ? 1 : 0) + 7) / 8));
    std::memcpy(&segments_[0][target], bytes.data(), bytes.size());
    return target;
  }
  void PointBytes(uint32_t at, absl::string_view bytes, bool text = false) {
    const uint32_t size = static_cast<uint32_t>(bytes.size() + (text ? 1 : 0));
    PointList(at, AllocBytes(bytes, text), kByte, size);
  }
  void PointText(uint32_t at, absl::string_view text) { PointBytes(at, text, true); }

  // Segment 0 alone, as a signed envelope's payload carries it.
  std::string Payload() const { return Bytes(segments_[0]); }
  // Stream framing (segment table, then segments), as RPC messages travel.
  std::string Framed() const {
    std::vector<uint32_t> table = {static_cast<uint32_t>(segments_.size() - 1)};
    for (const auto& s : segments_) table.push_back(static_cast<uint32_t>(s.size()));
    if (table.size() % 2 != 0) table.push_back(0);
    std::string out(reinterpret_cast<const char*>(table.data()), table.size() * 4);
    for (const auto& s : segments_) out += Bytes(s);
    return out;
  }

 private:
  static uint64_t Offset(uint32_t at, uint32_t target) {
    const int32_t offset = static_cast<int32_t>(target) - static_cast<int32_t>(at) - 1;
    return uint64_t{static_cast<uint32_t>(offset) << 2};
  }
  static std::string Bytes(const std::vector<uint64_t>& words) {
    return std::string(reinterpret_cast<const char*>(words.data()), words.size() * 8);
  }
  std::vector<std::vector<uint64_t>> segments_;
};

class HostileMessageTest : public ::testing::Test {
 protected:
  // Layouts of protocol/*.capnp (`capnp compile -ocapnp` prints them).
  static constexpr uint16_t kRequestData = 1, kRequestPointers = 4;
  static constexpr uint16_t kQueryData = 3, kQueryPointers = 4;

  // Starts a QueryRequest naming FuzzRequester() with a valid nonce; returns the index of the
  // pointer where the Query goes.
  static uint32_t StartRequest(RawMessage& m) {
    const uint32_t root = m.Alloc(1);
    const uint32_t request = m.Alloc(kRequestData + kRequestPointers);
    m.PointStruct(root, request, kRequestData, kRequestPointers);
    m.Set(request, 1000);  // issuedAt
    const uint32_t pointers = request + kRequestData;
    m.PointBytes(pointers + 1, FuzzRequester().public_key().AsStringView());
    m.PointBytes(pointers + 2, FuzzAttester().public_key().AsStringView());
    m.PointBytes(pointers + 3, std::string(kNonceBytes, 'n'));
    return pointers;
  }
  // A Query struct at `at`; returns the index of its first pointer.
  static uint32_t AddQuery(RawMessage& m, uint32_t at, absl::string_view metric) {
    const uint32_t query = m.Alloc(kQueryData + kQueryPointers);
    m.PointStruct(at, query, kQueryData, kQueryPointers);
    m.PointText(query + kQueryData, metric);
    return query + kQueryData;
  }

  // A request whose query has `filters` filters sharing one list of `values` pointers, which
  // all point to one text of `text_bytes` bytes.
  static std::string SharedTextRequest(uint32_t filters, uint32_t values, size_t text_bytes) {
    RawMessage m;
    const uint32_t query_pointers = AddQuery(m, StartRequest(m), "energy");
    const uint32_t first =
        m.PointStructList(query_pointers + 3, m.Alloc(1 + 2 * filters), filters, 0, 2);
    const uint32_t list = m.Alloc(values);
    const uint32_t text = m.AllocBytes(std::string(text_bytes, 'x'), true);
    for (uint32_t v = 0; v < values; ++v) {
      m.PointList(list + v, text, kByte, static_cast<uint32_t>(text_bytes + 1));
    }
    for (uint32_t f = 0; f < filters; ++f) {
      m.PointText(first + 2 * f, "site");
      m.PointList(first + 2 * f + 1, list, kPointer, values);
    }
    return m.Payload();
  }

  static absl::StatusOr<QueryRequestInfo> Open(const std::string& payload) {
    return OpenQueryRequest({payload, SignRequestPayload(FuzzRequester(), payload)});
  }
  static absl::Status Wire(WireType type, const std::string& framed) {
    return DecodeWireMessageAndCheck(absl::StrCat(std::string(1, char(type)), framed));
  }
  static absl::StatusOr<SignedBytes> RealRequest(const Query& query) {
    return SignQueryRequest(FuzzRequester(), FuzzAttester().public_key(), query, 1000);
  }
};

TEST_F(HostileMessageTest, HandAssembledRequestIsAccepted) {
  RawMessage m;
  AddQuery(m, StartRequest(m), "energy");
  absl::StatusOr<QueryRequestInfo> info = Open(m.Payload());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->query.metric, "energy");
  EXPECT_EQ(info->requester, FuzzRequester().public_key());
}

TEST_F(HostileMessageTest, SharedTargetsWithinTheTraversalLimitAreAccepted) {
  absl::StatusOr<QueryRequestInfo> info = Open(SharedTextRequest(2, 4, 5));
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->query.filters.size(), 2u);
  EXPECT_EQ(info->query.filters[1].values, std::vector<std::string>(4, "xxxxx"));
}

TEST_F(HostileMessageTest, OneListReferencedManyTimesHitsTheTraversalLimit) {
  // 70 KiB on the wire would decode to 32 x 1024 copies of 60 KiB: about 2 GiB.
  const std::string payload = SharedTextRequest(32, 1024, 60 << 10);
  ASSERT_LT(payload.size(), 80u << 10);
  EXPECT_THAT(Why(Open(payload).status()), HasSubstr("traversal limit"));
}

TEST_F(HostileMessageTest, ListOfEmptyStructsCannotClaimMillionsOfRows) {
  auto rows = [](uint32_t count) {
    RawMessage m;
    const uint32_t root = m.Alloc(1);
    const uint32_t result = m.Alloc(1 + 3);  // QueryResult: 1 data word, 3 pointers
    m.PointStruct(root, result, 1, 3);
    m.PointStructList(result + 2, m.Alloc(1), count, 0, 0);  // rows: zero-sized elements
    return m.Framed();
  };
  EXPECT_TRUE(Wire(WireType::kQueryResult, rows(1000)).ok());
  // Each empty element is charged one word, so 16 Mi of them exceed the limit.
  EXPECT_THAT(Why(Wire(WireType::kQueryResult, rows(1 << 24))), HasSubstr("traversal limit"));
}

TEST_F(HostileMessageTest, StructPointingAtItselfWhereQueryExpectedIsRefused) {
  RawMessage m;
  const uint32_t at = StartRequest(m);
  const uint32_t query = m.Alloc(kQueryData + kQueryPointers);
  m.PointStruct(at, query, kQueryData, kQueryPointers);
  m.PointStruct(query + kQueryData, query, kQueryData, kQueryPointers);  // metric -> itself
  EXPECT_EQ(Open(m.Payload()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(HostileMessageTest, ListContainingItselfIsRefused) {
  RawMessage m;
  const uint32_t query_pointers = AddQuery(m, StartRequest(m), "energy");
  const uint32_t list = m.Alloc(1);
  m.PointList(query_pointers + 2, list, kPointer, 1);  // groupTags
  m.PointList(list, list, kPointer, 1);                // groupTags[0] -> groupTags
  EXPECT_EQ(Open(m.Payload()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(HostileMessageTest, NodeCycleStopsARecursiveReaderAtTheNestingLimit) {
  RawMessage m;
  const uint32_t root = m.Alloc(1);
  const uint32_t node = m.Alloc(2);
  m.PointStruct(root, node, 0, 2);
  m.PointStruct(node, node, 0, 2);  // child -> itself
  const std::string payload = m.Payload();
  const kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(payload.data()),
                                              payload.size() / 8);
  capnp::SegmentArrayMessageReader reader(kj::arrayPtr(&words, 1), EnvelopeReaderOptions());
  int depth = 0;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                 for (auto n = reader.getRoot<testdata::Node>(); n.hasChild(); n = n.getChild()) {
                   ++depth;
                 }
               })) {
    EXPECT_THAT(e->getDescription().cStr(), HasSubstr("too deeply-nested"));
  } else {
    ADD_FAILURE() << "a cycle was followed to its end";
  }
  EXPECT_LE(depth, EnvelopeReaderOptions().nestingLimit);
  EXPECT_FALSE(Wire(WireType::kQuery, m.Framed()).ok());
}

class DeepNodeTest : public HostileMessageTest {
 protected:
  static void BuildChain(testdata::Node::Builder node, int depth) {
    for (int i = 1; i < depth; ++i) node = node.initChild();
    node.setLabel("bottom");
  }
  // A canonical NodeRequest (QueryRequest's layout) with a chain of `depth` nodes as query.
  static std::string DeepRequest(int depth) {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<testdata::NodeRequest>();
    BuildChain(request.initQuery(), depth);
    const std::string requester(FuzzRequester().public_key().AsStringView());
    const std::string target(FuzzAttester().public_key().AsStringView());
    request.setRequesterKey(
        capnp::Data::Reader(reinterpret_cast<const kj::byte*>(requester.data()), requester.size()));
    request.setTargetKey(
        capnp::Data::Reader(reinterpret_cast<const kj::byte*>(target.data()), target.size()));
    request.initNonce(kNonceBytes);
    kj::Array<capnp::word> words = capnp::canonicalize(request.asReader());
    return std::string(reinterpret_cast<const char*>(words.begin()), words.asBytes().size());
  }
  // The same chain as the root of an RPC message, where a Query is expected.
  static std::string DeepMessage(int depth) {
    capnp::MallocMessageBuilder message;
    BuildChain(message.initRoot<testdata::Node>(), depth);
    return WireFuzzInput(WireType::kQuery, message).substr(1);
  }
  // How deep a recursive reader of `payload` (as a NodeRequest) gets, or its exception.
  static absl::StatusOr<int> ReadDepth(const std::string& payload) {
    const kj::ArrayPtr<const capnp::word> words(
        reinterpret_cast<const capnp::word*>(payload.data()), payload.size() / 8);
    capnp::SegmentArrayMessageReader reader(kj::arrayPtr(&words, 1), EnvelopeReaderOptions());
    int depth = 0;
    KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                   auto n = reader.getRoot<testdata::NodeRequest>().getQuery();
                   for (depth = 1; n.hasChild(); ++depth) n = n.getChild();
                 })) {
      return absl::InvalidArgumentError(e->getDescription().cStr());
    }
    return depth;
  }
};

TEST_F(DeepNodeTest, ChainWithinTheNestingLimitIsReadable) {
  EXPECT_EQ(ReadDepth(DeepRequest(20)).value_or(-1), 20);
}

TEST_F(DeepNodeTest, ChainDeeperThanTheNestingLimitStopsARecursiveReader) {
  EXPECT_THAT(Why(ReadDepth(DeepRequest(100)).status()), HasSubstr("too deeply-nested"));
}

TEST_F(DeepNodeTest, ChainDeeperThanTheNestingLimitWhereQueryExpectedIsRefused) {
  EXPECT_EQ(Open(DeepRequest(100)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Wire(WireType::kQuery, DeepMessage(100)).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(HostileMessageTest, FarPointerToAMissingSegmentIsRefused) {
  RawMessage m;
  m.PointFar(StartRequest(m), 7, 0);  // the query lives in segment 7, of 1
  EXPECT_THAT(Why(Open(m.Payload()).status()), HasSubstr("far pointer"));
}

TEST_F(HostileMessageTest, FarPointerPastTheEndOfItsSegmentIsRefused) {
  RawMessage valid(2), hostile(2);
  for (RawMessage* m : {&valid, &hostile}) {
    m->Alloc(1);                          // segment 0: the root pointer only
    const uint32_t pad = m->Alloc(1, 1);  // segment 1: a landing pad, then a Query
    const uint32_t query = m->Alloc(kQueryData + kQueryPointers, 1);
    m->PointStruct(pad, query, kQueryData, kQueryPointers, 1);
  }
  valid.PointFar(0, 1, 0);
  hostile.PointFar(0, 1, 1000);
  EXPECT_TRUE(Wire(WireType::kQuery, valid.Framed()).ok());
  EXPECT_THAT(Why(Wire(WireType::kQuery, hostile.Framed())), HasSubstr("far pointer"));
}

TEST_F(HostileMessageTest, FarPointersLandingOnEachOtherAreRefused) {
  RawMessage m(2);
  m.Alloc(1);
  m.Alloc(1, 1);
  m.PointFar(0, 1, 0);     // root -> segment 1, word 0
  m.PointFar(0, 0, 0, 1);  // segment 1, word 0 -> back to the root
  EXPECT_FALSE(Wire(WireType::kQuery, m.Framed()).ok());
}

TEST_F(HostileMessageTest, RequestOverOneMebibyteIsRefused) {
  Query query;
  query.metric = std::string(512 << 10, 'm');
  EXPECT_TRUE(OpenQueryRequest(*RealRequest(query)).ok());
  query.metric = std::string(1 << 20, 'm');
  EXPECT_THAT(Why(OpenQueryRequest(*RealRequest(query)).status()), HasSubstr("larger than 1 MiB"));
}

TEST_F(HostileMessageTest, SignedResultOverOneMebibyteIsRefused) {
  const SignedBytes big{std::string((1 << 20) + 8, 'a'), std::string(64, 's')};
  EXPECT_THAT(Why(DecodeSignedResult(EncodeSignedResult(big)).status()),
              HasSubstr("larger than 1 MiB"));
  EXPECT_THAT(Why(DearmorSignedResult(ArmorSignedResult(big)).status()),
              HasSubstr("larger than 1 MiB"));
  EXPECT_THAT(Why(VerifySignedResult(big).status()), HasSubstr("larger than 1 MiB"));
}

TEST_F(HostileMessageTest, RecordBatchOverTheTraversalLimitIsRefused) {
  auto batch = [](size_t points) {
    RecordBatch b;
    b.series.push_back({"energy", {}});
    b.points.assign(points, {0, 0, 1.0});
    capnp::MallocMessageBuilder message;
    ToProto(b, message.initRoot<proto::RecordBatch>());
    return std::string(WireFuzzInput(WireType::kRecordBatch, message)).substr(1);
  };
  EXPECT_TRUE(Wire(WireType::kRecordBatch, batch(40000)).ok());
  EXPECT_THAT(Why(Wire(WireType::kRecordBatch, batch(80000))), HasSubstr("traversal limit"));
}

TEST_F(HostileMessageTest, EveryTruncatedRequestIsRefused) {
  Query query;
  query.metric = "co2e_scope1";
  query.filters = {{"product", {"P-100", "P-200"}}};
  const std::string payload = RealRequest(query)->payload;
  ASSERT_TRUE(Open(payload).ok());
  for (size_t n = 0; n < payload.size(); ++n) {
    EXPECT_EQ(Open(payload.substr(0, n)).status().code(), absl::StatusCode::kInvalidArgument) << n;
  }
  SignedBytes short_signature = *RealRequest(query);
  short_signature.signature.pop_back();
  EXPECT_THAT(Why(OpenQueryRequest(short_signature).status()), HasSubstr("signature"));
}

TEST_F(HostileMessageTest, EveryTruncatedResultIsRefused) {
  QueryResult result;
  result.group_tags = {"product"};
  result.rows.push_back({std::nullopt, {"P-100"}, 1.25, 100, 2});
  const SignedBytes signed_result = *SignAttestation(FuzzAttester(), {Query(),
                                                                      result,
                                                                      FuzzAttester().public_key(),
                                                                      "Fuzz Steel AG",
                                                                      FuzzRequester().public_key(),
                                                                      std::string(32, 'h'),
                                                                      2000,
                                                                      {}});
  const std::string encoded = EncodeSignedResult(signed_result);
  const std::string armored = ArmorSignedResult(signed_result);
  ASSERT_TRUE(VerifySignedResult(*DearmorSignedResult(armored)).ok());
  for (size_t n = 0; n < encoded.size(); ++n) {
    EXPECT_FALSE(DecodeSignedResult(encoded.substr(0, n)).ok()) << n;
  }
  const size_t end_marker = armored.find("-----END");
  for (size_t n = 0; n < end_marker + 10; ++n) {
    EXPECT_FALSE(DearmorSignedResult(armored.substr(0, n)).ok()) << n;
  }
}

TEST_F(HostileMessageTest, EveryMessageTruncatedAtAWordIsRefused) {
  Query query;
  query.metric = "energy";
  query.group_tags = {"site", "line"};
  capnp::MallocMessageBuilder message;
  ToProto(query, message.initRoot<proto::Query>());
  const std::string framed = WireFuzzInput(WireType::kQuery, message).substr(1);
  ASSERT_TRUE(Wire(WireType::kQuery, framed).ok());
  for (size_t n = 8; n < framed.size(); n += 8) {  // 8 bytes: the segment table
    EXPECT_FALSE(Wire(WireType::kQuery, framed.substr(0, n)).ok()) << n;
  }
}

}  // namespace
}  // namespace cairn
