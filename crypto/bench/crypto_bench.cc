// Costs of the crypto layer: sign, verify, seal and open a result-sized (2 KiB) message, build
// a cohort mask, and complete mutual-TLS handshakes over loopback.
//
// The handshake benchmark runs client and server in one thread on one kj event loop, so its
// rate is for both ends together (the CPU a server spends per handshake is about half).
// Single-threaded.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/certificate.h"
#include "crypto/identity.h"
#include "crypto/pairwise_mask.h"
#include "crypto/sealing.h"
#include "crypto/signing.h"
#include "crypto/tls.h"

namespace cairn {
namespace {

const std::string& Message() {
  static const std::string* message = new std::string(2048, 'r');
  return *message;
}

void BM_Sign(benchmark::State& state) {
  const Identity identity = Identity::Generate();
  for (auto _ : state) benchmark::DoNotOptimize(Sign(identity, Message()));
  state.SetBytesProcessed(state.iterations() * Message().size());
}
BENCHMARK(BM_Sign);

void BM_Verify(benchmark::State& state) {
  const Identity identity = Identity::Generate();
  const Signature signature = Sign(identity, Message());
  for (auto _ : state) {
    benchmark::DoNotOptimize(Verify(identity.public_key(), Message(), signature));
  }
  state.SetBytesProcessed(state.iterations() * Message().size());
}
BENCHMARK(BM_Verify);

void BM_Seal(benchmark::State& state) {
  const Identity recipient = Identity::Generate();
  for (auto _ : state) benchmark::DoNotOptimize(Seal(recipient.public_key(), Message()));
  state.SetBytesProcessed(state.iterations() * Message().size());
}
BENCHMARK(BM_Seal);

void BM_Open(benchmark::State& state) {
  const Identity recipient = Identity::Generate();
  const std::string sealed = Seal(recipient.public_key(), Message()).value();
  for (auto _ : state) benchmark::DoNotOptimize(Open(recipient, sealed));
  state.SetBytesProcessed(state.iterations() * Message().size());
}
BENCHMARK(BM_Open);

// One member's mask for a cohort of state.range(0) members and 1,000 values.
void BM_CohortMask(benchmark::State& state) {
  std::vector<Identity> members;
  std::vector<PublicKey> cohort;
  for (int i = 0; i < state.range(0); ++i) {
    members.push_back(Identity::Generate());
    cohort.push_back(members.back().public_key());
  }
  for (auto _ : state) benchmark::DoNotOptimize(CohortMask(members[0], cohort, "q", 1000));
}
BENCHMARK(BM_CohortMask)->Arg(7)->Arg(50);

struct Party {
  Identity identity = Identity::Generate();
  std::string certificate = CertificateBuilder(identity).SetDisplayName("bench").Build().value();
};

// New connection, full mutual handshake, one byte each way, close.
void BM_MutualTlsHandshake(benchmark::State& state) {
  auto io = std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo());
  const Party server, client;
  auto server_tls = MutualTlsBuilder(server.identity, server.certificate)
                        .AddTrustedPeer(client.certificate)
                        .SetTimer(io->provider->getTimer())
                        .Build()
                        .value();
  auto client_tls = MutualTlsBuilder(client.identity, client.certificate)
                        .AddTrustedPeer(server.certificate)
                        .SetTimer(io->provider->getTimer())
                        .Build()
                        .value();
  kj::Network& network = io->provider->getNetwork();
  auto listener = network.parseAddress("127.0.0.1", 0).wait(io->waitScope)->listen();
  auto address = network.parseAddress("127.0.0.1", listener->getPort()).wait(io->waitScope);
  const Fingerprint server_fingerprint = server.identity.fingerprint();

  for (auto _ : state) {
    auto served =
        listener->acceptAuthenticated()
            .then([&](kj::AuthenticatedStream s) { return server_tls->WrapServer(kj::mv(s)); })
            .then([](kj::AuthenticatedStream s) {
              auto& stream = *s.stream;
              auto buffer = kj::heapArray<kj::byte>(1);
              auto* data = buffer.begin();
              return stream.read(data, 1)
                  .then([&stream, data]() { return stream.write(data, 1); })
                  .attach(kj::mv(s.stream), kj::mv(buffer));
            });
    auto connected = address->connectAuthenticated()
                         .then([&](kj::AuthenticatedStream s) {
                           return client_tls->WrapClient(kj::mv(s), server_fingerprint);
                         })
                         .then([](kj::AuthenticatedStream s) {
                           auto& stream = *s.stream;
                           auto buffer = kj::heapArray<kj::byte>(1);
                           auto* data = buffer.begin();
                           return stream.write("x", 1)
                               .then([&stream, data]() { return stream.read(data, 1); })
                               .attach(kj::mv(s.stream), kj::mv(buffer));
                         });
    kj::joinPromises(kj::arr(kj::mv(served), kj::mv(connected))).wait(io->waitScope);
  }
  state.counters["handshakes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MutualTlsHandshake)->UseRealTime();

}  // namespace
}  // namespace cairn

BENCHMARK_MAIN();
