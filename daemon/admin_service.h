// AdminService: the capability cairnctl gets on the daemon's Unix socket.
//
// Every method converts its arguments to model types on the event loop thread, runs the work
// on the writer thread (imports, metric registration) or the reader pool (queries, status,
// consistency check), and converts the result back. Failures reach the client as
// "CODE: message" (protocol/rpc_status.h). Runs on the daemon's event loop thread only.
#ifndef CAIRN_DAEMON_ADMIN_SERVICE_H_
#define CAIRN_DAEMON_ADMIN_SERVICE_H_

#include "daemon/federation_service.h"
#include "daemon/partner_dialer.h"
#include "daemon/partner_listener.h"
#include "daemon/partner_trust.h"
#include "daemon/release/audit_writer.h"
#include "daemon/release/stewardship.h"
#include "daemon/service_context.h"
#include "participant/participant_identity.h"
#include "protocol/admin.capnp.h"
#include "storage/partner_store.h"

namespace cairn {

class AdminService final : public proto::Admin::Server {
 public:
  AdminService(const ServiceContext& context, const ParticipantIdentity& me, PartnerStore& partners,
               PartnerTrust& trust, PartnerListener& listener, PartnerDialer& dialer,
               Stewardship& stewardship, AuditWriter& audit, FederationService& federation)
      : context_(context),
        me_(me),
        partners_(partners),
        trust_(trust),
        listener_(listener),
        dialer_(dialer),
        stewardship_(stewardship),
        audit_(audit),
        federation_(federation) {}

  kj::Promise<void> status(StatusContext call) override;
  kj::Promise<void> metrics(MetricsContext call) override;
  kj::Promise<void> registerMetric(RegisterMetricContext call) override;
  kj::Promise<void> importBatch(ImportBatchContext call) override;
  kj::Promise<void> query(QueryContext call) override;
  kj::Promise<void> checkConsistency(CheckConsistencyContext call) override;
  kj::Promise<void> identity(IdentityContext call) override;
  kj::Promise<void> addPartner(AddPartnerContext call) override;
  kj::Promise<void> listPartners(ListPartnersContext call) override;
  kj::Promise<void> revokePartner(RevokePartnerContext call) override;
  kj::Promise<void> allowMetrics(AllowMetricsContext call) override;
  kj::Promise<void> askPeer(AskPeerContext call) override;
  kj::Promise<void> applyPolicy(ApplyPolicyContext call) override;
  kj::Promise<void> policy(PolicyContext call) override;
  kj::Promise<void> policyHistory(PolicyHistoryContext call) override;
  kj::Promise<void> removeGrant(RemoveGrantContext call) override;
  kj::Promise<void> checkPolicy(CheckPolicyContext call) override;
  kj::Promise<void> auditTail(AuditTailContext call) override;
  kj::Promise<void> auditShow(AuditShowContext call) override;
  kj::Promise<void> auditExport(AuditExportContext call) override;
  kj::Promise<void> auditVerify(AuditVerifyContext call) override;
  kj::Promise<void> budgets(BudgetsContext call) override;
  // Federated queries; in admin_federation.cc.
  kj::Promise<void> consortiumAdd(ConsortiumAddContext call) override;
  kj::Promise<void> consortiumList(ConsortiumListContext call) override;
  kj::Promise<void> federate(FederateContext call) override;

 private:
  void FillPartner(const Partner& partner, proto::PartnerInfo::Builder out);

  const ServiceContext& context_;
  const ParticipantIdentity& me_;
  PartnerStore& partners_;
  PartnerTrust& trust_;
  PartnerListener& listener_;
  PartnerDialer& dialer_;
  Stewardship& stewardship_;
  AuditWriter& audit_;
  FederationService& federation_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_ADMIN_SERVICE_H_
