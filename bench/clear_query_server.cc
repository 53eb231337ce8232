// clear_query_server: the baseline owner of issue 3's partner benchmark. It answers the same
// query as cairnd's partner service, over the same Cap'n Proto two-party RPC on loopback TCP,
// with none of the security: no TLS, no request signature, nonce, policy or audit entry, no
// signed or sealed result. The rows come back in the clear (clear_query.capnp).
//
//   clear_query_server --data-dir DIR [--listen 127.0.0.1:0] [--threads N]
//
// DIR is a copy of an owner's data dir (cairnd must not hold it: RocksDB has one process per
// store). The store is opened with the options cairnd derives from DIR/cairnd.toml, and each
// query takes the hop cairnd's queries take: from the event loop to a reader thread (a
// WorkerPool of [query] query_threads threads, or --threads) for ExecuteQuery, and back.
// Result statistics are cleared, as cairnd's allow-list path does, so the reply holds the same
// rows. Prints "listening on HOST:PORT" once it accepts connections, then serves until
// SIGTERM or SIGINT. The event loop runs on the main thread.
#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>
#include <kj/async-unix.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "participant/config.h"
#include "participant/data_dir.h"
#include "daemon/worker_thread.h"
#include "protocol/convert.h"
#include "protocol/rpc_status.h"
#include "query/engine.h"
#include "storage/database.h"
#include "storage/record_store.h"
#include "tools/bench/cairnd_storage.h"
#include "bench/clear_query.capnp.h"

namespace cairn {
namespace {

struct Flags {
  std::string data_dir;
  std::string listen = "127.0.0.1:0";
  int threads = 0;  // 0: the config's query_threads
};

class ClearQueryServer final : public bench::ClearQuery::Server {
 public:
  ClearQueryServer(const RecordStore& store, WorkerPool& readers)
      : store_(store), readers_(readers) {}

  kj::Promise<void> query(QueryContext call) override {
    absl::StatusOr<Query> query = FromProto(call.getParams().getQuery());
    ThrowIfError(query.status());
    call.releaseParams();
    const RecordStore* store = &store_;
    return readers_.Run([store, query = *std::move(query)] { return ExecuteQuery(*store, query); })
        .then([call](absl::StatusOr<QueryResult> result) mutable {
          ThrowIfError(result.status());
          result->stats = QueryStats();
          ToProto(*result, call.getResults().initResult());
        });
  }

 private:
  const RecordStore& store_;
  WorkerPool& readers_;
};

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "clear_query_server: %s: %s\n", std::string(what).c_str(),
               std::string(status.message()).c_str());
  return 1;
}

int Run(const Flags& flags, kj::AsyncIoContext& io) {
  DataDir dir(flags.data_dir);
  absl::StatusOr<Config> config = LoadConfig(dir.ConfigPath());
  if (!config.ok()) return Fail("config", config.status());
  absl::StatusOr<Database::Options> options = CairndDatabaseOptions(dir.ConfigPath(), dir.DbPath());
  if (!options.ok()) return Fail("config", options.status());
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(*options);
  if (!db.ok()) return Fail("open (does a cairnd hold this data dir?)", db.status());
  absl::StatusOr<std::unique_ptr<RecordStore>> store = RecordStore::Open(db->get());
  if (!store.ok()) return Fail("open store", store.status());
  WorkerPool readers(flags.threads > 0 ? flags.threads : static_cast<int>(config->query_threads));

  kj::Own<kj::ConnectionReceiver> listener;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                 listener = io.provider->getNetwork()
                                .parseAddress(flags.listen)
                                .wait(io.waitScope)
                                ->listen();
               })) {
    return Fail(absl::StrCat("listen on ", flags.listen),
                absl::UnavailableError(e->getDescription().cStr()));
  }
  capnp::TwoPartyServer server(kj::heap<ClearQueryServer>(**store, readers));
  std::string host = flags.listen.substr(0, flags.listen.rfind(':'));
  std::printf("listening on %s:%u\n", host.c_str(), listener->getPort());
  std::fflush(stdout);

  server.listen(*listener)
      .exclusiveJoin(io.unixEventPort.onSignal(SIGTERM).ignoreResult())
      .exclusiveJoin(io.unixEventPort.onSignal(SIGINT).ignoreResult())
      .wait(io.waitScope);
  return 0;
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  cairn::Flags flags;
  CLI::App app{"clear_query_server: the unsecured baseline of the partner benchmark"};
  app.add_option("-d,--data-dir", flags.data_dir, "a copy of the owner's data dir")->required();
  app.add_option("--listen", flags.listen, "HOST:PORT (port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--threads", flags.threads, "reader threads (0: the config's query_threads)")
      ->check(CLI::Range(0, 64));
  CLI11_PARSE(app, argc, argv);
  // Before any thread exists, so that every thread blocks them and the loop receives them.
  kj::UnixEventPort::captureSignal(SIGTERM);
  kj::UnixEventPort::captureSignal(SIGINT);
  signal(SIGPIPE, SIG_IGN);
  auto io = kj::setupAsyncIo();
  return cairn::Run(flags, io);
}
