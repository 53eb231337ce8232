#include "protocol/signed_envelope.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cairn {
namespace {

using ::testing::HasSubstr;

class EnvelopeTest : public ::testing::Test {
 protected:
  EnvelopeTest() : customer_(Identity::Generate()), supplier_(Identity::Generate()) {
    query_.metric = "co2e_scope1";
    query_.aggregate = Aggregate::kRatio;
    query_.ratio_denominator = "units_produced";
    query_.group_tags = {"product"};
  }
  SignedBytes Request() {
    return *SignQueryRequest(customer_, supplier_.public_key(), query_, 1000);
  }
  SignedBytes Result() {
    QueryRequestInfo request = *OpenQueryRequest(Request());
    AttestationInfo info{
        query_, {}, supplier_.public_key(), "Supplier", customer_.public_key(), request.hash,
        2000,   {}};
    info.result.group_tags = {"product"};
    info.result.rows.push_back({std::nullopt, {"P1"}, 1.25, 100, 2});
    info.protection.grant = "cbam";
    return *SignAttestation(supplier_, info);
  }
  Identity customer_, supplier_;
  Query query_;
};

TEST_F(EnvelopeTest, RequestRoundTrip) {
  absl::StatusOr<QueryRequestInfo> info = OpenQueryRequest(Request());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->requester, customer_.public_key());
  EXPECT_EQ(info->target, supplier_.public_key());
  EXPECT_EQ(info->issued_at, 1000);
  EXPECT_EQ(info->nonce.size(), kNonceBytes);
  EXPECT_EQ(DescribeQuery(info->query), DescribeQuery(query_));
  EXPECT_NE(OpenQueryRequest(Request())->nonce, info->nonce) << "nonces must be fresh";
}

TEST_F(EnvelopeTest, EveryTamperedRequestByteIsRejected) {
  SignedBytes request = Request();
  for (size_t i = 0; i < request.payload.size(); ++i) {
    SignedBytes bad = request;
    bad.payload[i] ^= 0x20;
    EXPECT_FALSE(OpenQueryRequest(bad).ok()) << "byte " << i;
  }
  SignedBytes bad_sig = request;
  bad_sig.signature[5] ^= 1;
  EXPECT_EQ(OpenQueryRequest(bad_sig).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(EnvelopeTest, KnownKeysSkipOnlyTheKeyCheckNotTheSignature) {
  const std::vector<PublicKey> known = {customer_.public_key(), supplier_.public_key()};
  SignedBytes request = Request();
  absl::StatusOr<QueryRequestInfo> info = OpenQueryRequest(request, known);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->requester, customer_.public_key());
  EXPECT_EQ(info->target, supplier_.public_key());
  // Every tampered byte is still caught with the keys known.
  for (size_t i = 0; i < request.payload.size(); ++i) {
    SignedBytes bad = request;
    bad.payload[i] ^= 0x20;
    EXPECT_FALSE(OpenQueryRequest(bad, known).ok()) << "byte " << i;
  }
  // A request by someone else is read with its own key, checked in full.
  Identity stranger = Identity::Generate();
  absl::StatusOr<QueryRequestInfo> other =
      OpenQueryRequest(*SignQueryRequest(stranger, supplier_.public_key(), query_, 1000), known);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->requester, stranger.public_key());
  absl::StatusOr<AttestationInfo> result = VerifySignedResult(Result(), known);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->attester, supplier_.public_key());
}

TEST_F(EnvelopeTest, ResultRoundTripAndArmor) {
  SignedBytes result = Result();
  absl::StatusOr<SignedBytes> back = DearmorSignedResult(ArmorSignedResult(result));
  ASSERT_TRUE(back.ok()) << back.status();
  absl::StatusOr<AttestationInfo> info = VerifySignedResult(*back);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->attester, supplier_.public_key());
  EXPECT_EQ(info->attester_name, "Supplier");
  EXPECT_EQ(info->requester, customer_.public_key());
  EXPECT_EQ(info->protection.grant, "cbam");
  ASSERT_EQ(info->result.rows.size(), 1u);
  EXPECT_EQ(info->result.rows[0].value, 1.25);
}

TEST_F(EnvelopeTest, EveryTamperedResultByteIsRejected) {
  SignedBytes result = Result();
  for (size_t i = 0; i < result.payload.size(); ++i) {
    SignedBytes bad = result;
    bad.payload[i] ^= 0x04;
    EXPECT_FALSE(VerifySignedResult(bad).ok()) << "byte " << i;
  }
}

TEST_F(EnvelopeTest, ASignatureByAnotherKeyThanTheOneClaimedIsRejected) {
  SignedBytes result = Result();
  // The customer re-signs the supplier's attestation: the attester key inside still names
  // the supplier, so the signature does not verify.
  AttestationInfo info = *VerifySignedResult(result);
  SignedBytes forged = *SignAttestation(customer_, info);
  forged.payload = result.payload;
  EXPECT_EQ(VerifySignedResult(forged).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(EnvelopeTest, ARequestCannotPassForAResult) {
  SignedBytes request = Request();
  EXPECT_FALSE(VerifySignedResult(request).ok());
}

TEST_F(EnvelopeTest, GarbageIsAClearError) {
  EXPECT_THAT(DearmorSignedResult("hello").status().message(),
              HasSubstr("not a Cairn signed result"));
  EXPECT_FALSE(DecodeSignedResult(std::string(7, 'x')).ok());
  EXPECT_FALSE(DecodeSignedResult(std::string(64, '\xff')).ok());
  EXPECT_FALSE(OpenQueryRequest({std::string(16, '\0'), std::string(64, '\0')}).ok());
}

}  // namespace
}  // namespace cairn
