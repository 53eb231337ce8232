// AdminClient: cairnctl's connection to the local cairnd over the data dir's Unix socket.
//
// One typed method per call of protocol/admin.capnp, each returning plain C++ values (the
// views below, and model and policy types) or the daemon's error as a Status; nothing outside
// this file touches the Cap'n Proto messages. Connect() turns the usual failures into advice:
// no daemon running, a stale socket, or a permission error because cairnctl runs as another
// user than cairnd. Methods block on the client's own event loop. One thread at a time.
#ifndef CAIRN_TOOLS_CAIRNCTL_ADMIN_CLIENT_H_
#define CAIRN_TOOLS_CAIRNCTL_ADMIN_CLIENT_H_

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "model/metric_registry.h"
#include "model/query.h"
#include "model/series.h"
#include "participant/data_dir.h"
#include "policy/policy.h"
#include "protocol/admin.capnp.h"

namespace cairn {

struct DaemonStatusInfo {
  std::string name, version, data_dir;
  uint32_t pid = 0;
  uint64_t uptime_seconds = 0, records = 0, series = 0, disk_bytes = 0;
  std::string partner_queries_refused;  // why, or "" when partners are served
};

struct PartnerView {
  std::string name, fingerprint, display_name, endpoint, certificate_pem;
  std::vector<std::string> allowed_metrics;
  Timestamp added_at = 0, revoked_at = 0, not_after = 0;
  bool revoked = false;
  uint32_t connections = 0;
};

struct IdentityView {
  std::string name, fingerprint, certificate_pem, listen;
  Timestamp not_after = 0;
};

struct PeerAnswerView {
  std::string signed_result;  // canonical SignedResult bytes
  QueryResult result;
  std::string attester_name, attester_fingerprint, grant, noise;
  Timestamp answered_at = 0;
  uint64_t suppressed_groups = 0;
};

// The views of the steward's calls. Byte fields (hashes, signatures) hold raw bytes.
struct PolicyChangesView {
  std::vector<std::string> grants_added, grants_changed, grants_removed;
  std::vector<std::string> deny_rules_added, deny_rules_changed, deny_rules_removed;
  bool groups_changed = false;
};

struct PolicyVersionView {
  uint64_t version = 0;  // 0: no policy was ever applied
  Timestamp applied_at = 0;
  std::string file_name, applied_by, sha256;
  PolicyChangesView changes;
};

struct PolicyView {
  PolicyVersionView version;
  std::string text;  // the policy file in force
  std::vector<Grant> grants;
};

struct PolicyAppliedView {
  uint64_t version = 0;
  PolicyChangesView changes;
  std::vector<std::string> warnings;
};

struct PolicyCheckView {
  bool allowed = false;
  std::string reason, release;
  std::vector<std::string> lines;
};

using AuditEntryKind = proto::AuditEntry::Kind;
using AuditVerdict = proto::AuditEntry::Decision;

struct AuditEntryView {
  uint64_t seq = 0;
  Timestamp time = 0;
  std::string partner, partner_fingerprint, request_hash, request_signature;
  AuditVerdict decision = AuditVerdict::DENIED;
  std::string reason, grant;
  uint64_t policy_version = 0;
  int64_t epsilon_micros = 0;
  std::string result_hash;
  AuditEntryKind kind = AuditEntryKind::OTHER;
  std::string kind_text;  // as the log stores it ("query", "partner-add", ...)
  std::string prev_hash, hash;
};

struct AuditPageView {
  std::vector<AuditEntryView> entries;
  uint64_t next_seq = 0;  // 0 after the last entry
};

struct AuditVerifyView {
  bool ok = false;
  uint64_t entries = 0, checkpoints = 0, last_seq = 0, last_checkpoint_seq = 0, first_bad_seq = 0;
  std::string head_hash, problem;
};

struct BudgetInfoView {
  std::string partner, grant;
  int64_t budget_micros = 0, spent_micros = 0;
  Timestamp period_start = 0, renews_at = 0;
};

using MemberStandingView = proto::ConsortiumMember::Standing;

struct ConsortiumMemberInfo {
  std::string name, fingerprint, endpoint;
  MemberStandingView standing = MemberStandingView::NOT_REGISTERED;
};

struct ConsortiumInfoView {
  std::string name, file_name, added_by;
  Timestamp added_at = 0;
  std::vector<ConsortiumMemberInfo> members;
  uint32_t cohort_memory_entries = 0;
};

struct ConsortiumAddedView {
  ConsortiumInfoView consortium;
  std::vector<std::string> registered, warnings;
};

struct FederateArgs {
  std::string consortium;
  Query query;
  std::vector<std::pair<std::string, std::vector<std::string>>> group_values;  // tag, values
  std::vector<std::string> members;  // empty: the whole roster
  uint32_t min_contributors = 0;
};

using FederationCallView = proto::FederationReport::Call;

struct FederatedAnswerView {
  std::string result;  // an encoded federation.capnp FederatedResult
  std::string roster_text;
  uint32_t attempts = 0;
  std::vector<std::string> final_cohort;  // roster names
  std::string round_digest, audit_receipt;
  struct Issue {
    std::string member;
    FederationCallView call = FederationCallView::PROPOSE;
    bool dropped = false;
    std::string reason;
  };
  std::vector<Issue> issues;
};

class AdminClient {
 public:
  static absl::StatusOr<std::unique_ptr<AdminClient>> Connect(const std::string& data_dir);
  ~AdminClient();

  absl::StatusOr<DaemonStatusInfo> Status();
  absl::StatusOr<MetricRegistry> Metrics();
  absl::Status RegisterMetric(const Metric& metric);
  absl::StatusOr<QueryResult> RunQuery(const Query& query);
  // OK when rollups match raw records; DataLoss with the daemon's findings otherwise.
  absl::Status CheckConsistency();

  absl::StatusOr<IdentityView> Identity();
  absl::StatusOr<PartnerView> AddPartner(const std::string& name, const std::string& cert_pem,
                                         const std::string& endpoint,
                                         const std::string& fingerprint,
                                         const std::vector<std::string>& allow_metrics);
  absl::StatusOr<std::vector<PartnerView>> ListPartners();
  absl::StatusOr<uint32_t> RevokePartner(const std::string& name);
  absl::Status AllowMetrics(const std::string& name, const std::vector<std::string>& metrics);
  absl::StatusOr<PeerAnswerView> AskPeer(const std::string& peer, const Query& query);

  absl::StatusOr<PolicyAppliedView> ApplyPolicy(const std::string& text,
                                                const std::string& file_name,
                                                const std::string& applied_by);
  absl::StatusOr<PolicyView> Policy();
  absl::StatusOr<std::vector<PolicyVersionView>> PolicyHistory();
  absl::StatusOr<PolicyAppliedView> RemoveGrant(const std::string& name,
                                                const std::string& applied_by);
  absl::StatusOr<PolicyCheckView> CheckPolicy(const std::string& partner, const Query& query);

  absl::StatusOr<std::vector<AuditEntryView>> AuditTail(uint32_t count);
  absl::StatusOr<AuditEntryView> AuditEntryAt(uint64_t seq);
  absl::StatusOr<AuditEntryView> AuditEntryWithHash(const std::string& hash);  // raw bytes
  absl::StatusOr<AuditPageView> AuditExport(uint64_t from_seq, uint32_t max_entries);
  absl::StatusOr<AuditVerifyView> AuditVerify();
  absl::StatusOr<std::vector<BudgetInfoView>> Budgets(const std::string& partner);

  absl::StatusOr<ConsortiumAddedView> ConsortiumAdd(const std::string& text,
                                                    const std::string& file_name,
                                                    const std::string& added_by);
  absl::StatusOr<std::vector<ConsortiumInfoView>> ConsortiumList();
  // Fails with the daemon's account of which members refused or dropped out.
  absl::StatusOr<FederatedAnswerView> Federate(const FederateArgs& args);

  // Sends one batch; the promise resolves when the daemon has made it durable, and rejects
  // with the daemon's error otherwise (use FromKj to read it).
  kj::Promise<ImportOutcome> SendBatch(const RecordBatch& batch);
  kj::WaitScope& wait_scope() { return io_.waitScope; }

  // Runs `fn` and converts a thrown kj::Exception into a Status.
  template <typename Fn>
  absl::Status Guard(Fn&& fn) {
    absl::Status status;
    KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] { status = fn(); })) {
      return FromKj(*e);
    }
    return status;
  }
  static absl::Status FromKj(const kj::Exception& e);

 private:
  AdminClient(kj::AsyncIoContext io) : io_(kj::mv(io)) {}

  kj::AsyncIoContext io_;
  std::unique_ptr<UnixSocketAddress> address_;
  kj::Own<kj::AsyncIoStream> stream_;
  kj::Own<capnp::TwoPartyClient> rpc_;
  proto::Admin::Client admin_ = nullptr;
};

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_ADMIN_CLIENT_H_
