// Costs of the crypto layer: sign, verify, seal and open a result-sized (2 KiB) message, build
// a cohort mask, complete mutual-TLS handshakes over loopback, and the ristretto255 operations,
// bit commitments and proofs of the federation's count phase. For the choices made in
// bit_commitment.h it also times the group operations of two alternatives (marked "model":
// the operations only, not a working verifier): the bit on G and the mask on H, and batch
// verification by a random linear combination.
//
// The handshake benchmark runs client and server in one thread on one kj event loop, so its
// rate is for both ends together (the CPU a server spends per handshake is about half).
// Single-threaded.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/bit_commitment.h"
#include "crypto/certificate.h"
#include "crypto/identity.h"
#include "crypto/pairwise_mask.h"
#include "crypto/ristretto.h"
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

// ---- ristretto255 and bit proofs ----

Scalar RandomPublicScalar() {
  Scalar s;
  RandomScalar(s.data());
  return s;
}

RistrettoPoint RandomPoint() { return MultiplyBase(RandomPublicScalar().data()); }

void BM_AddPoints(benchmark::State& state) {
  const RistrettoPoint a = RandomPoint(), b = RandomPoint();
  for (auto _ : state) benchmark::DoNotOptimize(AddPoints(a, b));
}
BENCHMARK(BM_AddPoints);

void BM_MultiplyBase(benchmark::State& state) {
  const Scalar s = RandomPublicScalar();
  for (auto _ : state) benchmark::DoNotOptimize(MultiplyBase(s.data()));
}
BENCHMARK(BM_MultiplyBase);

void BM_MultiplyPoint(benchmark::State& state) {
  const Scalar s = RandomPublicScalar();
  const RistrettoPoint p = RandomPoint();
  for (auto _ : state) benchmark::DoNotOptimize(MultiplyPoint(s.data(), p));
}
BENCHMARK(BM_MultiplyPoint);

void BM_ScalarReduceAndAdd(benchmark::State& state) {
  uint8_t wide[kWideScalarBytes] = {1, 2, 3};
  Scalar acc{}, r;
  for (auto _ : state) {
    ReduceWideScalar(wide, r.data());
    AddScalars(acc.data(), r.data(), acc.data());
    benchmark::DoNotOptimize(acc);
  }
}
BENCHMARK(BM_ScalarReduceAndAdd);

void BM_CommitAndProveBit(benchmark::State& state) {
  SecretScalar z;
  RandomScalar(z.data());
  for (auto _ : state) {
    const RistrettoPoint c = CommitBit(true, z);
    benchmark::DoNotOptimize(ProveBit(true, z, c, "context"));
  }
}
BENCHMARK(BM_CommitAndProveBit);

void BM_VerifyBitProof(benchmark::State& state) {
  SecretScalar z;
  RandomScalar(z.data());
  const RistrettoPoint c = CommitBit(true, z);
  const BitProof p = ProveBit(true, z, c, "context").value();
  for (auto _ : state) benchmark::DoNotOptimize(VerifyBitProof(c, p, "context"));
}
BENCHMARK(BM_VerifyBitProof);

// Model: the group operations of verifying with the bit on G and the mask on H
// (C = b·G + z·H): A_j = s_j·H - e_j·Y_j needs two multiplications of other points per branch.
void BM_ModelVerifyWithTheMaskOnH(benchmark::State& state) {
  const Scalar e0 = RandomPublicScalar(), e1 = RandomPublicScalar(), s0 = RandomPublicScalar(),
               s1 = RandomPublicScalar();
  const RistrettoPoint c = RandomPoint(), g = RandomPoint();
  for (auto _ : state) {
    const RistrettoPoint y1 = SubtractPoints(c, g).value();  // C - G
    const RistrettoPoint a0 = SubtractPoints(MultiplyPoint(s0.data(), GeneratorH()).value(),
                                             MultiplyPoint(e0.data(), c).value())
                                  .value();
    const RistrettoPoint a1 = SubtractPoints(MultiplyPoint(s1.data(), GeneratorH()).value(),
                                             MultiplyPoint(e1.data(), y1).value())
                                  .value();
    benchmark::DoNotOptimize(BitProofChallenge("context", c, a0, a1));
  }
}
BENCHMARK(BM_ModelVerifyWithTheMaskOnH);

// Model: batch verification of state.range(0) proofs sent with their announcements A_0, A_1
// (two more points each): check sum_i rho_i·(s_i·G - A_i - e_i·Y_i) = 0 for random rho_i.
// libsodium has no multi-scalar multiplication, so each term is a multiplication of its own:
// per proof rho·A_0, rho'·A_1 and (rho·e_0 + rho'·e_1)·C (the H terms fold into one), and one
// multiplication of G for the whole batch. Reported per proof.
void BM_ModelBatchVerifyPerProof(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<RistrettoPoint> a0(n), a1(n), c(n);
  for (int i = 0; i < n; ++i) {
    a0[i] = RandomPoint();
    a1[i] = RandomPoint();
    c[i] = RandomPoint();
  }
  for (auto _ : state) {
    RistrettoPoint sum = MultiplyBase(RandomPublicScalar().data());
    for (int i = 0; i < n; ++i) {
      for (const RistrettoPoint* p : {&a0[i], &a1[i], &c[i]}) {
        sum = AddPoints(sum, MultiplyPoint(RandomPublicScalar().data(), *p).value()).value();
      }
    }
    sum = AddPoints(sum, MultiplyPoint(RandomPublicScalar().data(), GeneratorH()).value()).value();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_ModelBatchVerifyPerProof)->Arg(64);

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
