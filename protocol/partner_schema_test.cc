// Nothing in the partner-facing interface can return raw records. This test reads the compiled
// schema: every type a PartnerSession method returns, and every type carried inside its opaque
// payloads (the sealed SignedResult and its Attestation), is walked, and none may look like a
// record. A negative control shows the checker flags the import batch, which does.
//
// The federation capability a session hands out (federation.capnp) is walked the same way, with
// the messages its opaque `Data` carries back: a signed commitment, and a signed contribution
// whose words are a masked vector over the round's groups (member-level aggregates, each word
// uniform without every other member's masks), or whose commitments and proofs say per group
// whether the member contributes (hiding commitments, zero-knowledge proofs).
#include <capnp/schema.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "protocol/federation.capnp.h"
#include "protocol/partner.capnp.h"
#include "protocol/records.capnp.h"

namespace cairn {
namespace {

// Every struct a partner can receive, with exactly the fields reviewed as aggregate-only.
// A new type or field reachable from the partner interface fails this test until it has been
// reviewed and added here; types from records.capnp and bulk numeric lists are never allowed.
const std::map<std::string, std::set<std::string>>& Reviewed() {
  static const auto* reviewed = new std::map<std::string, std::set<std::string>>{
      {"protocol/partner.capnp:PartnerSession.query$Results", {"sealed"}},
      {"protocol/partner.capnp:SignedResult", {"attestation", "signature"}},
      {"protocol/partner.capnp:Attestation",
       {"query", "result", "attesterKey", "attesterName", "requesterKey", "requestHash",
        "answeredAt", "protection"}},
      {"protocol/partner.capnp:Protection",
       {"grant", "policyVersion", "suppressedGroups", "noise", "epsilonSpent", "auditReceipt"}},
      {"protocol/query.capnp:Query",
       {"metric", "aggregate", "ratioDenominator", "from", "to", "timeGroup", "groupTags",
        "filters"}},
      {"protocol/query.capnp:TagFilter", {"tag", "values"}},
      {"protocol/query.capnp:QueryResult", {"timeGroup", "groupTags", "rows", "stats"}},
      // One row per released group: its key, one aggregate value and how many records and
      // series it covers.
      {"protocol/query.capnp:ResultRow",
       {"hasBucket", "bucket", "tags", "hasValue", "value", "records", "series"}},
      {"protocol/query.capnp:QueryStats", {"series", "rollupBuckets", "rawRecords"}},
      // Federated rounds: opaque signed messages in, opaque signed messages out.
      {"protocol/partner.capnp:PartnerSession.federation$Results", {"federation"}},
      {"protocol/federation.capnp:Federation.propose$Results", {"commitment"}},
      {"protocol/federation.capnp:Federation.announce$Results", {"contribution"}},
      {"protocol/federation.capnp:Federation.values$Results", {"contribution"}},
      {"protocol/federation.capnp:Signed", {"body", "signature"}},
      {"protocol/federation.capnp:Commitment", {"roundDigest", "memberKey", "accepted", "reason"}},
      // `words` is the masked value vector over the released groups (federation/tally.h): one
      // word per limb, never one per record. `commitments` and `proofs` (count phase,
      // federation/count_phase.h): per group one Pedersen commitment to the member's contributor
      // bit, uniform whatever the bit, and one zero-knowledge proof that it is 0 or 1.
      {"protocol/federation.capnp:Contribution",
       {"roundDigest", "cohortHash", "phase", "memberKey", "words", "commitments", "proofs"}},
  };
  return *reviewed;
}

class RecordFinder {
 public:
  std::vector<std::string> violations;
  std::set<std::string> visited;  // display names

  void Visit(capnp::StructSchema schema) {
    if (!seen_.insert(schema.getProto().getId()).second) return;
    std::string name = schema.getProto().getDisplayName();
    visited.insert(name);
    if (name.find("records.capnp") != std::string::npos) {
      violations.push_back(name + " is a record type");
    }
    auto reviewed = Reviewed().find(name);
    if (reviewed == Reviewed().end()) violations.push_back(name + " has not been reviewed");
    for (auto field : schema.getFields()) {
      std::string field_name = field.getProto().getName();
      if (reviewed != Reviewed().end() && reviewed->second.count(field_name) == 0) {
        violations.push_back(name + "." + field_name + " has not been reviewed");
      }
      capnp::Type type = field.getType();
      if (type.isList() && (type.asList().getElementType().isFloat64() ||
                            type.asList().getElementType().isFloat32() ||
                            type.asList().getElementType().isInt64())) {
        violations.push_back(name + "." + field_name + " is a bulk numeric list");
      }
      VisitType(type);
    }
  }
  void VisitInterface(capnp::InterfaceSchema schema) {
    for (auto method : schema.getMethods()) Visit(method.getResultType());
  }

 private:
  void VisitType(capnp::Type type) {
    if (type.isStruct()) Visit(type.asStruct());
    if (type.isList()) VisitType(type.asList().getElementType());
    if (type.isInterface()) VisitInterface(type.asInterface());
  }
  std::set<uint64_t> seen_;
};

TEST(PartnerSchema, NoMethodCanReturnRawRecords) {
  RecordFinder finder;
  finder.VisitInterface(capnp::Schema::from<proto::PartnerSession>());
  // `sealed :Data` carries a SignedResult, whose `attestation :Data` is an Attestation.
  finder.Visit(capnp::Schema::from<proto::SignedResult>());
  finder.Visit(capnp::Schema::from<proto::Attestation>());
  // The federation calls' replies are a Signed whose body is a Commitment or a Contribution.
  finder.Visit(capnp::Schema::from<proto::Signed>());
  finder.Visit(capnp::Schema::from<proto::Commitment>());
  finder.Visit(capnp::Schema::from<proto::Contribution>());
  EXPECT_THAT(finder.violations, ::testing::IsEmpty());
}

TEST(PartnerSchema, TheFederationCapabilityIsWalked) {
  // If the session stopped reaching Federation, its replies would no longer be checked.
  RecordFinder finder;
  finder.VisitInterface(capnp::Schema::from<proto::PartnerSession>());
  EXPECT_THAT(finder.visited,
              ::testing::IsSupersetOf({"protocol/federation.capnp:Federation.propose$Results",
                                       "protocol/federation.capnp:Federation.announce$Results",
                                       "protocol/federation.capnp:Federation.values$Results"}));
}

TEST(PartnerSchema, TheCheckerFlagsRecordTypes) {
  RecordFinder finder;
  finder.Visit(capnp::Schema::from<proto::RecordBatch>());
  EXPECT_FALSE(finder.violations.empty());
}

}  // namespace
}  // namespace cairn
