// cairnd in federated rounds; see federation_service.h.
#include "daemon/federation_service.h"

#include <kj/vector.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "daemon/failpoint.h"
#include "daemon/federation_steward.h"
#include "federation/cohort_memory.h"
#include "federation/engine_local_query.h"
#include "federation/local_figures.h"
#include "federation/member.h"
#include "protocol/rpc_status.h"

namespace cairn {
namespace {

// Rounds a federate call runs at most: the first, and retries without members that dropped out.
constexpr int kMaxAttempts = 3;
// A group's figures are released only with this many contributors unless the requester asks
// for more (members refuse fewer than their own minimum anyway).
constexpr uint32_t kDefaultMinContributors = 3;
// How long a committed round's route is kept: the member's proposal age plus clock skew.
constexpr Timestamp kRouteLifetime = 11 * 60 * kMicrosPerSecond;
// Stop() waits at most this many polls of 20 ms for a round to notice it was cancelled.
constexpr int kStopPolls = 1500;

std::string Bytes(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}
capnp::Data::Reader DataOf(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}
std::string Raw(const RoundDigest& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

// Refusals are "denied" in the audit log; anything else that ends a call is "failed".
AuditDecision DecisionFor(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
      return AuditDecision::kDenied;
    default:
      return AuditDecision::kFailed;
  }
}

// Writes `text` to `path` through a temporary file and a rename: readers see all or nothing.
absl::Status WriteFileAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename ", tmp, " to ", path));
  }
  return absl::OkStatus();
}

// What a call is about, read from its message before the member sees it.
struct Routed {
  std::string round;  // raw digest
  std::string consortium;
  std::optional<PublicKey> requester;  // who signed it (proposal, announcement)
};

absl::StatusOr<Routed> RouteOf(FederationCall call, const std::string& bytes) {
  Routed r;
  switch (call) {
    case FederationCall::kPropose: {
      CAIRN_ASSIGN_OR_RETURN(const SignedMessage m, DecodeSigned(bytes));
      CAIRN_ASSIGN_OR_RETURN(const Proposal p, OpenProposal(m));
      r.round = Raw(DigestProposal(m.body));
      r.consortium = p.consortium;
      r.requester = p.requester;
      break;
    }
    case FederationCall::kAnnounce: {
      CAIRN_ASSIGN_OR_RETURN(const SignedMessage m, DecodeSigned(bytes));
      CAIRN_ASSIGN_OR_RETURN(const Announcement a, OpenAnnouncement(m));
      r.round = Raw(a.round);
      r.requester = a.requester;
      break;
    }
    case FederationCall::kValues: {
      CAIRN_ASSIGN_OR_RETURN(const ValuesRequest v, DecodeValuesRequest(bytes));
      r.round = Raw(v.round);
      break;
    }
  }
  return r;
}

struct MemberReply {
  absl::StatusOr<std::string> reply = absl::UnknownError("no reply");
  bool accepted = true;  // a proposal's commitment
  std::string reason;    // why it was refused
};

}  // namespace

struct FederationService::Consortium {
  Consortium(StoredRoster s, ConsortiumRoster r) : stored(std::move(s)), roster(std::move(r)) {}

  StoredRoster stored;
  ConsortiumRoster roster;  // the member's own copy
  std::string my_name;      // this daemon's name on it
  std::unique_ptr<DaemonRoundSteward> steward;
  std::unique_ptr<FederationMember> member;
};

struct FederationService::Route {
  std::string consortium;
  std::string requester;  // fingerprint
  Timestamp expires_at = 0;
};

// The Federation capability a partner's session hands out: every call acts for that partner.
class FederationService::MemberEndpoint final : public proto::Federation::Server {
 public:
  MemberEndpoint(FederationService& service, Partner partner, PublicKey peer)
      : service_(service), partner_(std::move(partner)), peer_(peer) {}

  kj::Promise<void> propose(ProposeContext call) override {
    std::string request = Bytes(call.getParams().getProposal());
    call.releaseParams();
    return Serve(FederationCall::kPropose, std::move(request))
        .then(
            [call](std::string reply) mutable { call.getResults().setCommitment(DataOf(reply)); });
  }
  kj::Promise<void> announce(AnnounceContext call) override {
    std::string request = Bytes(call.getParams().getAnnouncement());
    call.releaseParams();
    return Serve(FederationCall::kAnnounce, std::move(request))
        .then([call](std::string reply) mutable {
          call.getResults().setContribution(DataOf(reply));
        });
  }
  kj::Promise<void> values(ValuesContext call) override {
    std::string request = Bytes(call.getParams().getRequest());
    call.releaseParams();
    return Serve(FederationCall::kValues, std::move(request))
        .then([call](std::string reply) mutable {
          call.getResults().setContribution(DataOf(reply));
        });
  }

 private:
  kj::Promise<std::string> Serve(FederationCall call, std::string request) {
    // A member takes part in few rounds at once (federation/member.h); more calls in flight
    // than the partner listener allows per connection are refused, without disconnecting.
    if (in_flight_ >= service_.context_.config->max_calls_in_flight) {
      ThrowIfError(absl::ResourceExhaustedError("too many federation calls in flight"));
    }
    ++in_flight_;
    return service_.Answer(partner_, peer_, call, std::move(request)).attach(kj::defer([this] {
      --in_flight_;
    }));
  }

  FederationService& service_;
  Partner partner_;
  PublicKey peer_;
  int64_t in_flight_ = 0;
};

// The requester's transport: runs on the requester thread, and sends each step from the event
// loop (BroadcastOnLoop), blocking until every member answered, failed or timed out.
class FederationService::Transport final : public FederationTransport {
 public:
  Transport(FederationService& service, std::shared_ptr<const Consortium> consortium)
      : service_(service), consortium_(std::move(consortium)) {}

  std::vector<absl::StatusOr<std::string>> Broadcast(FederationCall call,
                                                     absl::Span<const PublicKey> members,
                                                     absl::string_view request) override {
    std::vector<PublicKey> keys(members.begin(), members.end());
    std::string bytes(request);
    std::vector<absl::StatusOr<std::string>> replies;
    KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                   replies = service_.loop_.executeSync(
                       [&] { return service_.BroadcastOnLoop(consortium_, call, keys, bytes); });
                 })) {
      replies.assign(keys.size(), absl::UnavailableError(absl::StrCat("the round was interrupted: ",
                                                                      e->getDescription().cStr())));
    }
    return replies;
  }

 private:
  FederationService& service_;
  std::shared_ptr<const Consortium> consortium_;
};

FederationService::FederationService(const ServiceContext& context, kj::AsyncIoContext& io,
                                     const ParticipantIdentity& me, PartnerStore& partners,
                                     PartnerTrust& trust, PartnerDialer& dialer, ReleaseGate& gate,
                                     ReleasePipeline& pipeline, AuditWriter& audit,
                                     Stewardship& stewardship, ConsortiumStore& store)
    : context_(context),
      io_(io),
      me_(me),
      partners_(partners),
      gate_(gate),
      pipeline_(pipeline),
      audit_(audit),
      stewardship_(stewardship),
      store_(store),
      trust_(trust),
      dialer_(dialer),
      loop_(kj::getCurrentThreadExecutor()),
      requester_(std::make_unique<WorkerThread>()) {}

FederationService::~FederationService() {
  requester_.reset();  // idle after Stop(): joins at once
}

absl::StatusOr<std::shared_ptr<FederationService::Consortium>> FederationService::Build(
    StoredRoster stored, std::optional<std::string> memory) {
  CAIRN_ASSIGN_OR_RETURN(ConsortiumRoster roster, ParseRoster(stored.file_name, stored.text));
  const RosterMember* self = roster.Find(me_.certificate.fingerprint);
  if (self == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("this daemon (", me_.certificate.fingerprint.ToString(),
                     ") is not on the roster of consortium ", roster.consortium(), " in ",
                     stored.file_name, ": ask the consortium to add it"));
  }
  CohortMemory cohorts;
  if (memory) {
    absl::StatusOr<CohortMemory> imported = CohortMemory::Import(*memory);
    if (!imported.ok()) {
      return absl::DataLossError(absl::StrCat("the stored cohort memory of consortium ",
                                              roster.consortium(),
                                              " is damaged: ", imported.status().message()));
    }
    cohorts = *std::move(imported);
  }
  auto c = std::make_shared<Consortium>(std::move(stored), std::move(roster));
  c->my_name = self->name;
  c->steward =
      std::make_unique<DaemonRoundSteward>(*context_.writer, gate_, pipeline_, store_, c->roster);
  MemberContext member;
  member.identity = &me_.identity;
  member.roster = &c->roster;
  member.steward = c->steward.get();
  member.local = EngineLocalQuery(context_.store);
  const Clock* clock = context_.clock;
  member.clock = [clock] { return clock->Now(); };
  c->member = std::make_unique<FederationMember>(std::move(member), std::move(cohorts));
  return c;
}

void FederationService::Load() {
  absl::StatusOr<std::vector<StoredRoster>> rosters = store_.Rosters();
  if (!rosters.ok()) {
    CAIRN_LOG_ERROR("cannot read the consortium rosters: ", rosters.status().message(),
                    "; federated rounds are refused");
    return;
  }
  for (StoredRoster& stored : *rosters) {
    std::string name = stored.consortium;
    absl::StatusOr<std::optional<std::string>> memory = store_.Memory(name);
    absl::StatusOr<std::shared_ptr<Consortium>> c =
        memory.ok() ? Build(std::move(stored), *std::move(memory))
                    : absl::StatusOr<std::shared_ptr<Consortium>>(memory.status());
    if (!c.ok()) {
      CAIRN_LOG_ERROR("consortium ", name, ": ", c.status().message(),
                      "; its rounds are refused until this is fixed");
      continue;
    }
    CAIRN_LOG_INFO("member of consortium ", name, " (", (*c)->roster.members().size(), " members, ",
                   (*c)->member->memory().entries().size(), " cohorts remembered) as '",
                   (*c)->my_name, "'");
    consortia_[name] = *std::move(c);
  }
}

proto::Federation::Client FederationService::Endpoint(const Partner& partner,
                                                      const PublicKey& peer) {
  return kj::heap<MemberEndpoint>(*this, partner, peer);
}

kj::Promise<absl::Status> FederationService::Audit(const Partner& from, FederationCall call,
                                                   const std::string& round,
                                                   const absl::Status& why) {
  CAIRN_LOG_INFO("federation: ", FederationCallName(call), " from '", from.name,
                 "' refused: ", why.message());
  AuditWriter* audit = &audit_;
  AuditSubject who = SubjectOf(from, round);
  std::string reason = absl::StrCat(FederationCallName(call), ": ", why.message());
  AuditDecision decision = DecisionFor(why);
  return context_.writer
      ->Run([audit, who, reason, decision]() -> absl::StatusOr<AuditLog::Receipt> {
        AuditEntry e = audit->Begin(AuditKind::kFederated, decision, who);
        e.reason = reason;
        rocksdb::WriteBatch batch;
        return audit->Append(std::move(e), &batch);
      })
      .then([why](absl::StatusOr<AuditLog::Receipt> r) { return r.ok() ? why : r.status(); });
}

void FederationService::PurgeRoutes(Timestamp now) {
  for (auto it = routes_.begin(); it != routes_.end();) {
    it = it->second->expires_at <= now ? routes_.erase(it) : std::next(it);
  }
}

kj::Promise<std::string> FederationService::Answer(Partner from, PublicKey peer,
                                                   FederationCall call, std::string request) {
  auto fail = [this, from, call](std::string round, absl::Status why) {
    return Audit(from, call, round, why).then([](absl::Status s) -> std::string {
      ThrowIfError(s);
      return "";
    });
  };
  if (stopping_) {
    ThrowIfError(absl::UnavailableError("this daemon is stopping"));
  }
  auto bytes = std::make_shared<const std::string>(std::move(request));
  // 1. What the call is about and who signed it, on a reader thread (signature checks).
  return context_.readers->Run([call, bytes] { return RouteOf(call, *bytes); })
      .then([this, from, peer, call, bytes,
             fail](absl::StatusOr<Routed> routed) -> kj::Promise<std::string> {
        if (!routed.ok()) return fail("", routed.status());
        const Timestamp now = context_.clock->Now();
        PurgeRoutes(now);
        if (routed->requester && *routed->requester != peer) {
          return fail(routed->round, absl::PermissionDeniedError(absl::StrCat(
                                         "the ", FederationCallName(call), " is signed by ",
                                         routed->requester->fingerprint().ToString(),
                                         ", not by the key of this connection (",
                                         peer.fingerprint().ToString(), ")")));
        }
        // 2. Which of this daemon's members it is for.
        std::shared_ptr<Consortium> consortium;
        if (call == FederationCall::kPropose) {
          auto it = consortia_.find(routed->consortium);
          if (it == consortia_.end()) {
            std::string reason =
                absl::StrCat("this daemon is on no roster of consortium ", routed->consortium);
            RoundDigest digest;
            std::copy(routed->round.begin(), routed->round.end(), digest.begin());
            std::string refusal = EncodeSigned(SignCommitment(
                me_.identity, Commitment{digest, me_.identity.public_key(), false, reason}));
            return Audit(from, call, routed->round, absl::PermissionDeniedError(reason))
                .then([refusal](absl::Status s) {
                  if (!absl::IsPermissionDenied(s)) ThrowIfError(s);  // the audit failed
                  return refusal;
                });
          }
          consortium = it->second;
        } else {
          auto route = routes_.find(routed->round);
          if (route == routes_.end()) {
            return fail(routed->round, absl::FailedPreconditionError(
                                           absl::StrCat("no open round ", HexEncode(routed->round),
                                                        " here (unknown, expired or finished)")));
          }
          if (route->second->requester != peer.fingerprint().ToString()) {
            return fail(routed->round,
                        absl::PermissionDeniedError(absl::StrCat(
                            "round ", HexEncode(routed->round), " was proposed by ",
                            route->second->requester, ", not by this connection's peer")));
          }
          auto it = consortia_.find(route->second->consortium);
          if (it == consortia_.end()) {
            routes_.erase(route);
            return fail(routed->round, absl::FailedPreconditionError("the consortium is gone"));
          }
          consortium = it->second;
        }
        // 3. The member, on a reader thread: local figures, masks, signatures, and (values)
        // the steward's admission on the writer thread.
        std::string round = routed->round;
        return context_.readers
            ->Run([consortium, call, bytes] {
              // A member lost after committing to a round, before it sent anything (tests).
              if (call == FederationCall::kAnnounce) CrashAt("before-federated-counts");
              MemberReply r;
              r.reply = consortium->member->Handle(call, *bytes);
              if (r.reply.ok() && call == FederationCall::kPropose) {
                absl::StatusOr<SignedMessage> m = DecodeSigned(*r.reply);
                absl::StatusOr<Commitment> c =
                    m.ok() ? OpenCommitment(*m) : absl::StatusOr<Commitment>(m.status());
                if (!c.ok()) {
                  r.reply = c.status();
                } else {
                  r.accepted = c->accepted;
                  r.reason = c->reason;
                }
              }
              return r;
            })
            .then([this, consortium, from, peer, call, round,
                   fail](MemberReply r) -> kj::Promise<std::string> {
              if (!r.reply.ok()) {
                routes_.erase(round);
                return fail(round, r.reply.status());
              }
              if (call == FederationCall::kPropose) {
                if (!r.accepted) {
                  std::string refusal = *std::move(r.reply);
                  return Audit(from, call, round, absl::PermissionDeniedError(r.reason))
                      .then([refusal](absl::Status s) {
                        if (!absl::IsPermissionDenied(s)) ThrowIfError(s);
                        return refusal;
                      });
                }
                routes_[round] = std::make_unique<Route>(
                    Route{consortium->stored.consortium, peer.fingerprint().ToString(),
                          context_.clock->Now() + kRouteLifetime});
              } else if (call == FederationCall::kValues) {
                routes_.erase(round);
              }
              return *std::move(r.reply);
            });
      });
}

kj::Promise<std::vector<absl::StatusOr<std::string>>> FederationService::BroadcastOnLoop(
    std::shared_ptr<const Consortium> consortium, FederationCall call,
    std::vector<PublicKey> members, std::string request) {
  using Reply = absl::StatusOr<std::string>;
  if (stopping_) {
    return std::vector<Reply>(members.size(), absl::UnavailableError("this daemon is stopping"));
  }
  kj::Vector<kj::Promise<Reply>> calls;
  for (const PublicKey& key : members) {
    const Fingerprint fp = key.fingerprint();
    const RosterMember* on_roster = consortium->roster.Find(fp);
    std::string name = on_roster != nullptr ? on_roster->name : fp.ToString();
    kj::Promise<std::string> reply = nullptr;
    if (key == me_.identity.public_key()) {
      // This daemon's own member, through the same checks as a partner's call.
      Partner self;
      self.name = consortium->my_name;
      self.fingerprint = fp.ToString();
      reply = kj::evalNow([&] { return Answer(self, key, call, request); });
    } else {
      std::optional<Partner> partner = partners_.FindActiveByFingerprint(fp.ToString());
      if (!partner || on_roster == nullptr) {
        calls.add(Reply(absl::UnavailableError(
            absl::StrCat("member '", name,
                         "' is not an active partner of this daemon (cairnctl partner list)"))));
        continue;
      }
      partner->endpoint = on_roster->endpoint;  // where the consortium agreed to reach it
      reply = kj::evalNow([&] { return dialer_.CallFederation(*partner, call, request); });
    }
    calls.add(reply.then([](std::string r) { return Reply(std::move(r)); },
                         [name](kj::Exception&& e) {
                           absl::Status s = ExceptionToStatus(e);
                           return Reply(absl::Status(
                               s.code(), absl::StrCat("member '", name, "': ", s.message())));
                         }));
  }
  return canceler_.wrap(kj::joinPromises(calls.releaseAsArray()).then([](kj::Array<Reply> replies) {
    std::vector<Reply> out;
    for (Reply& r : replies) out.push_back(std::move(r));
    return out;
  }));
}

ConsortiumView FederationService::ViewOf(const Consortium& c, size_t memory_entries) const {
  ConsortiumView v;
  v.name = c.stored.consortium;
  v.file_name = c.stored.file_name;
  v.added_at = c.stored.added_at;
  v.added_by = c.stored.added_by;
  v.memory_entries = memory_entries;
  const std::string mine = me_.certificate.fingerprint.ToString();
  for (const RosterMember& m : c.roster.members()) {
    ConsortiumMemberView mv{m.name, m.fingerprint.ToString(), m.endpoint};
    if (mv.fingerprint == mine) {
      mv.standing = MemberStanding::kThisDaemon;
    } else if (partners_.FindActiveByFingerprint(mv.fingerprint)) {
      mv.standing = MemberStanding::kPartner;
    } else if (std::optional<Partner> p = partners_.Find(m.name);
               p && p->fingerprint == mv.fingerprint) {
      mv.standing = MemberStanding::kRevokedPartner;
    }
    v.members.push_back(std::move(mv));
  }
  return v;
}

kj::Promise<std::vector<ConsortiumView>> FederationService::List() {
  std::vector<std::shared_ptr<Consortium>> all;
  for (const auto& [name, c] : consortia_) all.push_back(c);
  // The member's lock may be held by a round: count its memory off the event loop.
  return context_.readers
      ->Run([all] {
        std::vector<size_t> entries;
        for (const auto& c : all) entries.push_back(c->member->memory().entries().size());
        return entries;
      })
      .then([this, all](std::vector<size_t> entries) {
        std::vector<ConsortiumView> out;
        for (size_t i = 0; i < all.size(); ++i) out.push_back(ViewOf(*all[i], entries[i]));
        return out;
      });
}

kj::Promise<ConsortiumAdded> FederationService::AddConsortium(std::string text,
                                                              std::string file_name,
                                                              std::string added_by) {
  absl::StatusOr<ConsortiumRoster> roster = ParseRoster(file_name, text);
  ThrowIfError(roster.status());
  const std::string mine = me_.certificate.fingerprint.ToString();
  const std::string consortium = roster->consortium();
  if (roster->Find(me_.certificate.fingerprint) == nullptr) {
    ThrowIfError(absl::InvalidArgumentError(
        absl::StrCat("this daemon (", mine, ") is not on the roster of consortium ", consortium,
                     " in ", file_name, ": ask the consortium to add it")));
  }
  // Every member must be the registered partner of the same name and key, or be registered
  // now from the roster's certificate (the steward's one registration check). All problems are
  // reported at once; nothing is applied.
  const Timestamp now = context_.clock->Now();
  const MetricRegistry registry = context_.store->Metrics();
  std::vector<std::string> errors;
  std::vector<Partner> to_register;
  for (const RosterMember& m : roster->members()) {
    const std::string fp = m.fingerprint.ToString();
    if (fp == mine) continue;
    if (std::optional<Partner> p = partners_.FindActiveByFingerprint(fp)) {
      if (p->name != m.name) {
        errors.push_back(absl::StrCat(
            "member '", m.name, "' (", fp, ") is registered here as partner '", p->name,
            "'; policies name consortium members by their roster names: revoke it (cairnctl "
            "partner revoke ",
            p->name, ") and import the roster again, which registers it as '", m.name, "'"));
      }
      continue;
    }
    if (std::optional<Partner> p = partners_.Find(m.name); p && p->active()) {
      errors.push_back(absl::StrCat("member '", m.name, "' has the key ", fp,
                                    ", but the registered partner '", m.name, "' has ",
                                    p->fingerprint, "; check the roster with its author"));
      continue;
    }
    if (m.certificate_pem.empty()) {
      errors.push_back(absl::StrCat(
          "member '", m.name, "' (", fp,
          ") is not a registered partner and the roster carries no certificate for it: add it "
          "to the roster, or register it first (cairnctl partner add ",
          m.name, " --cert FILE --fingerprint ", fp, ")"));
      continue;
    }
    absl::StatusOr<Partner> p = CheckRegistration(
        PartnerCandidate{m.name, m.certificate_pem, m.endpoint, fp, {}},
        RegistrationOrigin::kRoster, partners_, me_.identity.public_key(), registry, now);
    if (!p.ok()) {
      errors.push_back(absl::StrCat("member '", m.name, "': ", p.status().message()));
      continue;
    }
    to_register.push_back(*std::move(p));
  }
  if (!errors.empty()) {
    ThrowIfError(absl::InvalidArgumentError(
        absl::StrCat("the roster of consortium ", consortium, " in ", file_name,
                     " was not imported:\n  ", absl::StrJoin(errors, "\n  "))));
  }

  StoredRoster stored{consortium, std::move(text), std::move(file_name), now, std::move(added_by)};
  Stewardship* stewardship = &stewardship_;
  AuditWriter* audit = &audit_;
  ConsortiumStore* store = &store_;
  size_t members = roster->members().size();
  return context_.writer
      ->Run([stewardship, audit, store, stored, to_register,
             members]() -> absl::StatusOr<std::optional<std::string>> {
        // One write: the partners registered from the roster, the roster, and their entries.
        rocksdb::WriteBatch batch;
        store->PutRoster(stored, &batch);
        AuditEntry e = audit->Begin(AuditKind::kConsortiumAdd, AuditDecision::kAllowed);
        e.reason = absl::StrCat("roster of consortium ", stored.consortium, " (", members,
                                " members) imported from ", stored.file_name, " by ",
                                stored.added_by, " (sha256 ", HexEncode(Sha256(stored.text)), ")");
        e.result_hash = Sha256(stored.text);
        std::vector<AuditEntry> more;
        more.push_back(std::move(e));
        CAIRN_RETURN_IF_ERROR(
            stewardship
                ->RegisterPartners(
                    to_register, absl::StrCat("from the roster of consortium ", stored.consortium),
                    &batch, std::move(more))
                .status());
        return store->Memory(stored.consortium);
      })
      .then([this, stored, to_register](absl::StatusOr<std::optional<std::string>> memory) {
        ThrowIfError(memory.status());
        ConsortiumAdded added;
        for (const Partner& p : to_register) added.registered.push_back(p.name);
        if (!to_register.empty()) ThrowIfError(trust_.Reload());
        std::string dir = context_.data_dir->root() + "/consortia";
        mkdir(dir.c_str(), 0700);
        std::string copy = absl::StrCat(dir, "/", stored.consortium, ".toml");
        if (absl::Status s = WriteFileAtomically(copy, stored.text); !s.ok()) {
          added.warnings.push_back(absl::StrCat(s.message(), " (cairnctl verify reads it)"));
        }
        absl::StatusOr<std::shared_ptr<Consortium>> c = Build(stored, *std::move(memory));
        ThrowIfError(c.status());
        added.consortium = ViewOf(**c, (*c)->member->memory().entries().size());
        for (const ConsortiumMemberView& m : added.consortium.members) {
          if (m.standing == MemberStanding::kNotRegistered ||
              m.standing == MemberStanding::kRevokedPartner) {
            added.warnings.push_back(absl::StrCat(
                "member '", m.name, "' is a ",
                m.standing == MemberStanding::kNotRegistered ? "not registered" : "revoked partner",
                ": its rounds cannot reach it"));
          }
        }
        consortia_[stored.consortium] = *std::move(c);
        CAIRN_LOG_INFO("imported the roster of consortium ", stored.consortium, " from ",
                       stored.file_name, " (", added.consortium.members.size(), " members, ",
                       added.registered.size(), " registered as partners)");
        return added;
      });
}

kj::Promise<FederateOutcome> FederationService::Federate(FederateRequest request) {
  if (stopping_) ThrowIfError(absl::UnavailableError("this daemon is stopping"));
  auto it = consortia_.find(request.consortium);
  if (it == consortia_.end()) {
    ThrowIfError(
        absl::NotFoundError(absl::StrCat("this daemon is in no consortium named '",
                                         request.consortium, "' (cairnctl consortium list)")));
  }
  std::shared_ptr<const Consortium> c = it->second;
  FederateOutcome outcome;
  outcome.roster_text = c->stored.text;
  std::vector<std::string> names = request.members;
  for (const RosterMember& m : c->roster.members()) {
    outcome.names[m.fingerprint.ToString()] = m.name;
    if (request.members.empty()) names.push_back(m.name);
  }
  std::vector<PublicKey>& cohort = request.round.cohort;
  cohort.clear();
  for (const std::string& name : names) {
    const RosterMember* m = c->roster.FindByName(name);
    if (m == nullptr) {
      ThrowIfError(absl::NotFoundError(
          absl::StrCat("'", name, "' is not a member of consortium ", request.consortium)));
    }
    if (m->public_key) {
      cohort.push_back(*m->public_key);
    } else if (m->fingerprint == me_.certificate.fingerprint) {
      cohort.push_back(me_.identity.public_key());
    } else if (std::optional<Partner> p =
                   partners_.FindActiveByFingerprint(m->fingerprint.ToString())) {
      absl::StatusOr<CertificateInfo> cert = ParseCertificate(p->certificate_pem);
      ThrowIfError(cert.status());
      cohort.push_back(cert->public_key);
    } else {
      ThrowIfError(absl::FailedPreconditionError(
          absl::StrCat("no key is known for member '", name,
                       "': the roster has no certificate for it and it is not a registered "
                       "partner")));
    }
  }
  if (request.round.min_contributors == 0) {
    request.round.min_contributors =
        static_cast<uint32_t>(std::min<size_t>(kDefaultMinContributors, cohort.size()));
  }
  const Identity* identity = &me_.identity;
  RoundRequest round = std::move(request.round);
  using Ran = std::pair<absl::StatusOr<FederatedResult>, RoundReport>;
  return requester_
      ->Run([this, c, identity, round]() -> Ran {
        Transport transport(*this, c);
        RoundReport report;
        absl::StatusOr<FederatedResult> result = RunFederatedRoundWithRetry(
            *identity, c->roster, transport, round, context_.clock->Now(), kMaxAttempts, &report);
        return Ran(std::move(result), std::move(report));
      })
      .then([this, c, outcome = std::move(outcome), round](Ran ran) mutable {
        outcome.result = std::move(ran.first);
        outcome.report = std::move(ran.second);
        // The round this daemon ran, audited before its result goes anywhere.
        AuditSubject who{c->my_name, me_.certificate.fingerprint.ToString(), "", ""};
        AuditDecision decision = AuditDecision::kFailed;
        std::string result_hash, reason;
        std::vector<std::string> cohort;
        for (const PublicKey& k : outcome.report.final_cohort) {
          cohort.push_back(outcome.names[k.fingerprint().ToString()]);
        }
        if (outcome.result.ok()) {
          const FederatedResult& r = *outcome.result;
          size_t released = 0;
          for (const FederatedRow& row : r.rows) released += row.released;
          decision = AuditDecision::kAllowed;
          who.request_hash = Raw(DigestProposal(r.proposal.body));
          result_hash = Sha256(EncodeFederatedResult(r));
          reason = absl::StrCat("ran a round of consortium ", c->stored.consortium, ": ",
                                DescribeQuery(round.query), "; cohort ",
                                absl::StrJoin(cohort, ", "), "; ", released, " of ", r.rows.size(),
                                " groups released after ", outcome.report.attempts, " attempt(s)");
        } else {
          reason = absl::StrCat("a round of consortium ", c->stored.consortium, " (",
                                DescribeQuery(round.query),
                                ") failed: ", outcome.result.status().message());
        }
        AuditWriter* audit = &audit_;
        return context_.writer
            ->Run([audit, who, decision, result_hash, reason] {
              AuditEntry e = audit->Begin(AuditKind::kFederatedRequest, decision, who);
              e.result_hash = result_hash;
              e.reason = reason;
              rocksdb::WriteBatch batch;
              return audit->Append(std::move(e), &batch);
            })
            .then(
                [outcome = std::move(outcome)](absl::StatusOr<AuditLog::Receipt> receipt) mutable {
                  // Fail closed: no result leaves unaudited.
                  if (!receipt.ok()) {
                    outcome.result = receipt.status();
                  } else {
                    outcome.audit_receipt = receipt->hash;
                  }
                  return std::move(outcome);
                });
      });
}

kj::Promise<void> FederationService::WaitIdle(int polls_left) {
  if (requester_->pending() == 0 || polls_left <= 0) return kj::READY_NOW;
  return io_.provider->getTimer().afterDelay(20 * kj::MILLISECONDS).then([this, polls_left] {
    return WaitIdle(polls_left - 1);
  });
}

kj::Promise<void> FederationService::Stop() {
  stopping_ = true;
  canceler_.cancel("cairnd is stopping");
  return WaitIdle(kStopPolls);
}

}  // namespace cairn
