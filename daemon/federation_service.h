// FederationService: cairnd in federated rounds (issue 5; docs/federation.md).
//
// Rosters. AddConsortium() checks a consortium roster (federation/roster.h) against this
// daemon: it must be on it, and every other member must be the registered partner of the same
// name and key, or be registerable from the roster's certificate (it is then registered under
// its roster name and audited as "partner-add"). The roster is stored with its audit entry
// ("consortium-add") in one write, a copy goes to <data dir>/consortia/<name>.toml (for
// `cairnctl verify`), and the consortium's member is rebuilt; its cohort memory is the stored
// one, so it carries over a roster change and a restart.
//
// Member side. Per consortium, one FederationMember (federation/member.h) answers rounds under
// this daemon's policy (DaemonRoundSteward). A partner reaches it through the Federation
// capability of its authenticated session (PartnerListener): a round's proposal, announcement
// and values request must come over a connection whose peer is the round's requester. Member
// work (message checks, local aggregate queries, masks, signatures) runs on reader threads;
// the steward's decisions and writes run on the writer thread. A refusal or failure is audited
// (kind "federated") before its reply leaves; a release is audited in the steward's one write.
//
// Requester side. Federate() runs RunFederatedRoundWithRetry (federation/requester.h) on a
// thread of its own, one round at a time. Its transport sends each step to every member at
// once: remote members through the dialer's outbound mutual-TLS connections (bounded by
// partners.ask_timeout_seconds per call), this daemon's own member through the same path as a
// partner's call. A round is audited ("federated-request") before its result is returned.
//
// Threading: every public method runs on the daemon's event loop thread. A consortium's state
// is immutable once built and replaced as a whole (shared_ptr), so worker threads keep what
// they use alive. Stop() must be awaited before the service is destroyed.
#ifndef CAIRN_DAEMON_FEDERATION_SERVICE_H_
#define CAIRN_DAEMON_FEDERATION_SERVICE_H_

#include <kj/async-io.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/partner_dialer.h"
#include "daemon/partner_trust.h"
#include "daemon/release/audit_writer.h"
#include "daemon/release/release_gate.h"
#include "daemon/release/release_pipeline.h"
#include "daemon/release/stewardship.h"
#include "daemon/service_context.h"
#include "daemon/worker_thread.h"
#include "federation/messages.h"
#include "federation/requester.h"
#include "federation/roster.h"
#include "federation/transport.h"
#include "participant/participant_identity.h"
#include "protocol/federation.capnp.h"
#include "storage/consortium_store.h"
#include "storage/partner_store.h"

namespace cairn {

// How this daemon knows a roster member.
enum class MemberStanding { kNotRegistered, kThisDaemon, kPartner, kRevokedPartner };

struct ConsortiumMemberView {
  std::string name, fingerprint, endpoint;
  MemberStanding standing = MemberStanding::kNotRegistered;
};

struct ConsortiumView {
  std::string name, file_name, added_by;
  Timestamp added_at = 0;
  std::vector<ConsortiumMemberView> members;
  size_t memory_entries = 0;  // rounds remembered for the differencing rule
};

struct ConsortiumAdded {
  ConsortiumView consortium;
  std::vector<std::string> registered;  // members registered as partners by this import
  std::vector<std::string> warnings;
};

struct FederateRequest {
  std::string consortium;
  // The cohort is filled from `members`; min_contributors 0 means 3, or the cohort size if
  // smaller.
  RoundRequest round;
  std::vector<std::string> members;  // roster names; empty: every member of the roster
};

struct FederateOutcome {
  absl::StatusOr<FederatedResult> result = absl::UnknownError("not run");
  RoundReport report;
  std::map<std::string, std::string> names;  // fingerprint -> roster name
  std::string roster_text;
  std::string audit_receipt;  // hash (bytes) of the "federated-request" entry
};

class FederationService {
 public:
  FederationService(const ServiceContext& context, kj::AsyncIoContext& io,
                    const ParticipantIdentity& me, PartnerStore& partners, PartnerTrust& trust,
                    PartnerDialer& dialer, ReleaseGate& gate, ReleasePipeline& pipeline,
                    AuditWriter& audit, Stewardship& stewardship, ConsortiumStore& store);
  ~FederationService();

  // Loads the stored rosters and cohort memories. A consortium whose stored state cannot be
  // read is left out (its rounds are refused) and logged; the rest are served.
  void Load();

  // The Federation capability for a connection authenticated as `partner` with key `peer`.
  proto::Federation::Client Endpoint(const Partner& partner, const PublicKey& peer);
  // One federation call, as a partner (`from`, with key `peer`) makes it: resolves to the
  // reply, rejects with the reason (audited). Exposed for the endpoint and the own member.
  kj::Promise<std::string> Answer(Partner from, PublicKey peer, FederationCall call,
                                  std::string request);

  // InvalidArgument naming the problem (roster file, this daemon not on it, a member that
  // cannot be reconciled with the registered partners); nothing is applied then.
  kj::Promise<ConsortiumAdded> AddConsortium(std::string text, std::string file_name,
                                             std::string added_by);
  kj::Promise<std::vector<ConsortiumView>> List();
  // Rejects for a bad request (NotFound: no such consortium or member); a round that fails
  // resolves with the failure in `result` and what happened to each member in `report`.
  kj::Promise<FederateOutcome> Federate(FederateRequest request);

  // Refuses new rounds, cancels the requester's calls in flight, and resolves once no round
  // runs any more (at the latest after the calls' timeout).
  kj::Promise<void> Stop();

 private:
  struct Consortium;
  struct Route;
  class MemberEndpoint;
  class Transport;

  // The calls of one round step, sent to every member at once, on the event loop.
  kj::Promise<std::vector<absl::StatusOr<std::string>>> BroadcastOnLoop(
      std::shared_ptr<const Consortium> consortium, FederationCall call,
      std::vector<PublicKey> members, std::string request);
  absl::StatusOr<std::shared_ptr<Consortium>> Build(StoredRoster stored,
                                                    std::optional<std::string> memory);
  ConsortiumView ViewOf(const Consortium& consortium, size_t memory_entries) const;
  // Audits a refusal or failure of a call from `from`; resolves to `why` or the audit error.
  kj::Promise<absl::Status> Audit(const Partner& from, FederationCall call,
                                  const std::string& round, const absl::Status& why);
  void PurgeRoutes(Timestamp now);
  kj::Promise<void> WaitIdle(int polls_left);

  const ServiceContext& context_;
  kj::AsyncIoContext& io_;
  const ParticipantIdentity& me_;
  PartnerStore& partners_;
  ReleaseGate& gate_;
  ReleasePipeline& pipeline_;
  AuditWriter& audit_;
  Stewardship& stewardship_;
  ConsortiumStore& store_;
  PartnerTrust& trust_;
  PartnerDialer& dialer_;
  const kj::Executor& loop_;  // this (event loop) thread's, for the requester's transport
  std::unique_ptr<WorkerThread> requester_;
  std::map<std::string, std::shared_ptr<Consortium>> consortia_;  // by name
  // Rounds this daemon's members committed to: round digest -> where they go and who asks.
  std::map<std::string, std::unique_ptr<Route>> routes_;
  kj::Canceler canceler_;  // the requester's calls in flight
  std::atomic<bool> stopping_{false};
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_FEDERATION_SERVICE_H_
