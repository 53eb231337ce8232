#include "daemon/daemon.h"

#include <capnp/rpc-twoparty.h>
#include <kj/async-unix.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "daemon/acceptor.h"
#include "daemon/admin_service.h"
#include "daemon/federation_service.h"
#include "daemon/open_files.h"
#include "daemon/partner_dialer.h"
#include "daemon/partner_listener.h"
#include "daemon/partner_service.h"
#include "daemon/partner_trust.h"

namespace cairn {
namespace {

// Places in each worker queue beyond the partners' share (partners.max_queued_calls): room a
// partner flood cannot take, for cairnctl's commands, the daemon's own timers and the next
// steps of work already admitted. (A queue is first come, first served: a command may wait
// behind partner work queued before it, but it is never refused for it.)
constexpr int kQueueRoomBesidePartners = 64;

// How many events the loop runs in a row before it polls for I/O (kj's default: only once the
// queue is empty). Low enough that a flood of ready events cannot hide a partner's message for
// long; a poll with nothing ready costs one epoll_wait.
constexpr uint kEventsBetweenPolls = 64;

// Accepts admin connections; each one must come from the daemon's own uid.
class AdminListener {
 public:
  AdminListener(kj::Own<kj::ConnectionReceiver> receiver, kj::Timer& timer,
                capnp::Capability::Client bootstrap)
      : receiver_(kj::mv(receiver)),
        server_(kj::mv(bootstrap)),
        acceptor_(*receiver_, timer, "admin connections",
                  [this](kj::AuthenticatedStream s) { Admit(kj::mv(s.stream)); }) {}

  kj::Promise<void> Run() { return acceptor_.Run(); }

 private:
  void Admit(kj::Own<kj::AsyncIoStream> stream) {
    struct ucred cred;
    uint len = sizeof(cred);
    stream->getsockopt(SOL_SOCKET, SO_PEERCRED, &cred, &len);
    if (cred.uid != geteuid()) {
      CAIRN_LOG_WARNING("refused admin connection from uid ", cred.uid, " (pid ", cred.pid,
                        "): only uid ", geteuid(), " may administer this daemon");
    } else {
      server_.accept(kj::mv(stream));
    }
  }

  kj::Own<kj::ConnectionReceiver> receiver_;
  capnp::TwoPartyServer server_;
  Acceptor acceptor_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Open(const std::string& data_dir) {
  DataDir dir(data_dir);
  absl::StatusOr<Config> config = LoadConfig(dir.ConfigPath());
  if (absl::IsNotFound(config.status())) {
    return absl::NotFoundError(
        absl::StrCat(dir.root(), " is not a Cairn data dir (no ", dir.ConfigPath(),
                     "); create one with: cairnctl init --data-dir ", dir.root(), " --name NAME"));
  }
  if (!config.ok()) return config.status();
  std::unique_ptr<Daemon> daemon(new Daemon(dir, *std::move(config)));
  LogLevel level;
  if (ParseLogLevel(daemon->config_.log_level, &level)) SetLogLevel(level);

  CAIRN_ASSIGN_OR_RETURN(daemon->lock_, DataDirLock::Acquire(daemon->dir_));
  absl::StatusOr<ParticipantIdentity> identity = LoadParticipantIdentity(daemon->dir_);
  if (!identity.ok()) {
    return absl::Status(
        identity.status().code(),
        absl::StrCat("cannot load this participant's identity: ", identity.status().message()));
  }
  daemon->identity_ = std::make_unique<ParticipantIdentity>(*std::move(identity));
  Timestamp now = daemon->clock_.Now();
  const CertificateInfo& cert = daemon->identity_->certificate;
  if (now >= cert.not_after || now < cert.not_before) {
    CAIRN_LOG_WARNING("this participant's certificate is valid only from ",
                      FormatTimestamp(cert.not_before), " to ", FormatTimestamp(cert.not_after),
                      ": partners will refuse it; stop cairnd and run `cairnctl identity rotate`");
  } else if (cert.not_after - now < 30 * kMicrosPerDay) {
    CAIRN_LOG_WARNING("this participant's certificate expires on ", FormatTimestamp(cert.not_after),
                      "; plan `cairnctl identity rotate`");
  }
  // Descriptors: partner connections must never take the ones the store needs (open_files.h).
  Config& settings = daemon->config_;
  OpenFilePlan files = PlanOpenFiles(RaiseOpenFileLimit(), settings.max_connections,
                                     settings.max_pending_handshakes);
  if (!files.warning.empty()) CAIRN_LOG_WARNING(files.warning);
  settings.max_connections = files.max_connections;
  settings.max_pending_handshakes = files.max_pending_handshakes;
  CAIRN_LOG_INFO("open files: limit ", files.limit, ", up to ", files.store_files,
                 " for the store, ", files.max_connections, " for partner connections and ",
                 files.max_pending_handshakes, " for pending handshakes");
  Database::Options db_options;
  db_options.path = daemon->dir_.DbPath();
  db_options.max_open_files = static_cast<int>(files.store_files);
  db_options.block_cache_bytes = static_cast<size_t>(daemon->config_.block_cache_mb) << 20;
  db_options.write_buffer_bytes = static_cast<size_t>(daemon->config_.write_buffer_mb) << 20;
  db_options.sync = daemon->config_.sync;
  CAIRN_ASSIGN_OR_RETURN(daemon->database_, Database::Open(db_options));
  CAIRN_ASSIGN_OR_RETURN(daemon->store_, RecordStore::Open(daemon->database_.get()));
  CAIRN_ASSIGN_OR_RETURN(daemon->partners_, PartnerStore::Open(daemon->database_.get()));
  daemon->nonces_ = std::make_unique<NonceStore>(daemon->database_.get());
  daemon->consortia_ = std::make_unique<ConsortiumStore>(daemon->database_.get());
  CAIRN_ASSIGN_OR_RETURN(std::vector<PublicKey> former_keys, LoadFormerKeys(daemon->dir_));
  CAIRN_ASSIGN_OR_RETURN(
      daemon->release_,
      ReleasePath::Open(daemon->database_.get(), daemon->store_.get(), daemon->nonces_.get(),
                        daemon->partners_.get(), daemon->identity_.get(), std::move(former_keys),
                        &daemon->clock_));
  CAIRN_LOG_INFO("policy version ", daemon->release_.policy->number(), " in force");
  const int queue = static_cast<int>(settings.max_queued_calls) + kQueueRoomBesidePartners;
  daemon->writer_ = std::make_unique<WorkerThread>("writer thread", queue);
  daemon->readers_ =
      std::make_unique<WorkerPool>(static_cast<int>(settings.query_threads), queue, "query thread");
  daemon->pipeline_ =
      std::make_unique<ReleasePipeline>(daemon->writer_.get(), daemon->readers_.get(),
                                        daemon->release_.gate.get(), daemon->release_.audit.get());
  daemon->context_ = ServiceContext{&daemon->clock_,        &daemon->config_,
                                    &daemon->dir_,          daemon->database_.get(),
                                    daemon->store_.get(),   daemon->writer_.get(),
                                    daemon->readers_.get(), std::chrono::steady_clock::now()};
  return daemon;
}

Daemon::~Daemon() {
  // Threads first (the writer finishes its current batch), then the store, then the lock.
  writer_.reset();
  readers_.reset();
  pipeline_.reset();
  release_ = ReleasePath();
  store_.reset();
  partners_.reset();
  nonces_.reset();
  consortia_.reset();
  database_.reset();
  lock_.reset();
}

absl::Status Daemon::Serve(kj::AsyncIoContext& io, kj::Promise<void> stop) {
  std::string socket_path = dir_.SocketPath(config_.admin_socket);
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<UnixSocketAddress> address,
                         UnixSocketAddress::For(socket_path));
  unlink(socket_path.c_str());  // a stale socket of a daemon that died; we hold the lock
  kj::Own<kj::ConnectionReceiver> receiver;
  mode_t old_umask = umask(0177);  // the socket is born 0600: no window for other uids
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                 auto addr = io.provider->getNetwork()
                                 .parseAddress(kj::StringPtr(address->kj_address().c_str()))
                                 .wait(io.waitScope);
                 receiver = addr->listen();
               })) {
    umask(old_umask);
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", socket_path, ": ", e->getDescription().cStr()));
  }
  umask(old_umask);
  chmod(socket_path.c_str(), 0600);

  // The doors, each over the release path, wired in the order they depend on one another:
  // whom partner connections trust; this daemon asking partners; the partner door; federated
  // rounds (which ask through the dialer); partners reaching us (whose sessions hand out the
  // federation's member endpoints, so they go first on the way down); the admin socket.
  PartnerTrust trust(context_, io.provider->getTimer(), *partners_, *identity_);
  CAIRN_RETURN_IF_ERROR(trust.Reload());
  PartnerDialer dialer(context_, io, trust);
  PartnerService partner_service(context_, *identity_, *nonces_, *pipeline_);
  FederationService federation(context_, io, *identity_, *partners_, trust, dialer, *release_.gate,
                               *pipeline_, *release_.audit, *release_.stewardship, *consortia_);
  PartnerListener listener(context_, io, *partners_, trust, partner_service,
                           [&federation](const Partner& partner, const PublicKey& peer) {
                             return federation.Endpoint(partner, peer);
                           });
  federation.Load();
  CAIRN_RETURN_IF_ERROR(listener.Listen(config_.listen));
  AdminListener admin(
      kj::mv(receiver), io.provider->getTimer(),
      kj::heap<AdminService>(context_, *identity_, *partners_, trust, listener, dialer,
                             *release_.stewardship, *release_.audit, federation));
  CAIRN_LOG_INFO("cairnd ", kCairnVersion, " serving '", config_.name, "' (",
                 identity_->certificate.fingerprint.ToString(), ") from ", dir_.root());
  CAIRN_LOG_INFO("admin socket ", socket_path, "; partners ",
                 listener.bound_address().empty()
                     ? std::string("off")
                     : "on " + listener.bound_address() + " (mutual TLS)",
                 ", ", partners_->Active().size(), " active");
  // Every minute: forget nonces too old to matter, write the refusals counted in the minute
  // that ended, make every entry durable and sign a checkpoint of the chain if it grew.
  AuditWriter* audit = release_.audit.get();
  ReleaseGate* gate = release_.gate.get();
  auto upkeep = [audit, gate](bool all) {
    gate->FlushRefusals(all);
    absl::Status s = audit->Sync();
    return s.ok() ? audit->Checkpoint() : s;
  };
  kj::Function<kj::Promise<void>()> prune_loop;
  prune_loop = [&]() -> kj::Promise<void> {
    return io.provider->getTimer()
        .afterDelay(60 * kj::SECONDS)
        .then([&] { return partner_service.PruneNonces(); })
        .then([&] { return writer_->Run([upkeep] { return upkeep(false); }); })
        .then([&](absl::Status s) {
          if (!s.ok()) CAIRN_LOG_WARNING("audit checkpoint: ", s.message());
          return prune_loop();
        });
  };
  auto pruning = prune_loop().eagerlyEvaluate([](kj::Exception&& e) {
    CAIRN_LOG_WARNING("nonce pruning stopped: ", e.getDescription().cStr());
  });

  auto signaled = io.unixEventPort.onSignal(SIGTERM)
                      .exclusiveJoin(io.unixEventPort.onSignal(SIGINT))
                      .then([](siginfo_t info) {
                        CAIRN_LOG_INFO("received ", strsignal(info.si_signo), ", shutting down");
                      });
  auto stopped = stop.then([] { CAIRN_LOG_INFO("stop requested, shutting down"); });
  absl::Status result = absl::OkStatus();
  auto serving = admin.Run()
                     .exclusiveJoin(listener.Serve())
                     .then([] {},
                           [&result](kj::Exception&& e) {
                             result = absl::InternalError(
                                 absl::StrCat("listener failed: ", e.getDescription().cStr()));
                           });
  // Look for I/O every few events even while the queue is not empty: under a connection flood
  // the accept loop alone would keep it busy, and partners' messages would wait unseen.
  io.waitScope.setBusyPollInterval(kEventsBetweenPolls);
  serving.exclusiveJoin(kj::mv(signaled)).exclusiveJoin(kj::mv(stopped)).wait(io.waitScope);
  unlink(socket_path.c_str());
  federation.Stop().wait(io.waitScope);
  absl::Status checkpointed = writer_->Run([upkeep] { return upkeep(true); }).wait(io.waitScope);
  if (!checkpointed.ok())
    CAIRN_LOG_WARNING("audit checkpoint at shutdown: ", checkpointed.message());
  return result;
}

}  // namespace cairn
