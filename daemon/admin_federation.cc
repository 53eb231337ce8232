// AdminService's federation methods (consortiumAdd, consortiumList, federate): conversions
// between protocol/admin.capnp and FederationService, which does the work.
#include "absl/strings/str_cat.h"
#include "daemon/admin_convert.h"
#include "daemon/admin_service.h"
#include "protocol/convert.h"
#include "protocol/rpc_status.h"
#include "query/engine.h"

namespace cairn {
namespace {

std::string Text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

proto::FederationReport::Call CallOf(FederationCall call) {
  switch (call) {
    case FederationCall::kPropose:
      return proto::FederationReport::Call::PROPOSE;
    case FederationCall::kAnnounce:
      return proto::FederationReport::Call::ANNOUNCE;
    case FederationCall::kValues:
      return proto::FederationReport::Call::VALUES;
  }
  return proto::FederationReport::Call::PROPOSE;
}

std::string NameOf(const FederateOutcome& o, const PublicKey& key) {
  auto it = o.names.find(key.fingerprint().ToString());
  return it != o.names.end() ? it->second : key.fingerprint().ToString();
}

}  // namespace

kj::Promise<void> AdminService::consortiumAdd(ConsortiumAddContext call) {
  auto params = call.getParams();
  return federation_
      .AddConsortium(Text(params.getText()), Text(params.getFileName()), Text(params.getAddedBy()))
      .then([call](ConsortiumAdded added) mutable {
        auto out = call.getResults();
        FillConsortium(added.consortium, out.initConsortium());
        auto registered = out.initRegistered(added.registered.size());
        for (size_t i = 0; i < added.registered.size(); ++i) {
          registered.set(i, added.registered[i]);
        }
        auto warnings = out.initWarnings(added.warnings.size());
        for (size_t i = 0; i < added.warnings.size(); ++i) warnings.set(i, added.warnings[i]);
      });
}

kj::Promise<void> AdminService::consortiumList(ConsortiumListContext call) {
  return federation_.List().then([call](std::vector<ConsortiumView> all) mutable {
    auto out = call.getResults().initConsortia(all.size());
    for (size_t i = 0; i < all.size(); ++i) FillConsortium(all[i], out[i]);
  });
}

kj::Promise<void> AdminService::federate(FederateContext call) {
  auto params = call.getParams();
  FederateRequest request;
  request.consortium = Text(params.getConsortium());
  absl::StatusOr<Query> query = FromProto(params.getQuery());
  ThrowIfError(query.status());
  ThrowIfError(ValidateQuery(*query, context_.store->Metrics()));
  // The key space: one list of values per grouping tag, in the query's order.
  for (const std::string& tag : query->group_tags) {
    std::vector<std::string> values;
    for (auto tv : params.getGroupValues()) {
      if (Text(tv.getTag()) != tag) continue;
      for (auto v : tv.getValues()) values.push_back(Text(v));
    }
    if (values.empty()) {
      ThrowIfError(absl::InvalidArgumentError(absl::StrCat(
          "no values listed for the grouping tag '", tag,
          "': a federated round groups over an explicit list that every member sees (e.g. "
          "--group-values ",
          tag, "=P1,P2)")));
    }
    request.round.group_values.push_back(std::move(values));
  }
  for (auto tv : params.getGroupValues()) {
    std::string tag = Text(tv.getTag());
    if (std::find(query->group_tags.begin(), query->group_tags.end(), tag) ==
        query->group_tags.end()) {
      ThrowIfError(absl::InvalidArgumentError(
          absl::StrCat("values are listed for '", tag, "', which the query does not group by")));
    }
  }
  request.round.query = *std::move(query);
  request.round.min_contributors = params.getMinContributors();
  for (auto m : params.getMembers()) request.members.push_back(Text(m));
  return federation_.Federate(std::move(request)).then([call](FederateOutcome o) mutable {
    if (!o.result.ok()) {
      // The requester's message ends with each member's issue by fingerprint; they follow
      // below by roster name instead, one per line.
      std::string text(o.result.status().message());
      for (const auto* issues : {&o.report.refused, &o.report.dropped}) {
        for (const RoundReport::MemberIssue& i : *issues) {
          size_t at = text.find(": " + i.member.fingerprint().ToString());
          if (at != std::string::npos) text.resize(at);
        }
      }
      for (const auto* issues : {&o.report.refused, &o.report.dropped}) {
        for (const RoundReport::MemberIssue& i : *issues) {
          absl::StrAppend(&text, "\n  ", NameOf(o, i.member), " (",
                          issues == &o.report.refused ? "refused" : "dropped out", " at ",
                          FederationCallName(i.call), "): ", i.status.message());
        }
      }
      ThrowIfError(absl::Status(o.result.status().code(), text));
    }
    auto out = call.getResults();
    const std::string bytes = EncodeFederatedResult(*o.result);
    out.setResult(DataOf(bytes));
    out.setRosterText(o.roster_text);
    auto report = out.initReport();
    report.setAttempts(static_cast<uint32_t>(o.report.attempts));
    auto cohort = report.initFinalCohort(o.report.final_cohort.size());
    for (size_t i = 0; i < o.report.final_cohort.size(); ++i) {
      cohort.set(i, NameOf(o, o.report.final_cohort[i]));
    }
    const RoundDigest digest = DigestProposal(o.result->proposal.body);
    report.setRoundDigest(capnp::Data::Reader(digest.data(), digest.size()));
    report.setAuditReceipt(DataOf(o.audit_receipt));
    auto issues = report.initIssues(o.report.refused.size() + o.report.dropped.size());
    size_t n = 0;
    for (const auto* list : {&o.report.refused, &o.report.dropped}) {
      for (const RoundReport::MemberIssue& i : *list) {
        issues[n].setMember(NameOf(o, i.member));
        issues[n].setCall(CallOf(i.call));
        issues[n].setDropped(list == &o.report.dropped);
        issues[n].setReason(std::string(i.status.message()));
        ++n;
      }
    }
  });
}

}  // namespace cairn
