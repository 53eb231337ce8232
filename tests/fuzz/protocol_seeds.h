// Real partner-protocol messages to seed the protocol fuzz targets: signed requests, signed
// and armoured results, and Query / QueryResult / RecordBatch messages (one of them spread
// over many segments, so that far pointers are in the corpus), all made with the production
// encoders and the fixed identities of protocol_fuzz_check.h. write_protocol_seeds puts them
// into corpus/; protocol_seeds_test checks that the committed ones still decode. Stateless;
// thread-safe.
#ifndef CAIRN_TESTS_FUZZ_PROTOCOL_SEEDS_H_
#define CAIRN_TESTS_FUZZ_PROTOCOL_SEEDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace cairn {

struct ProtocolSeed {
  std::string name;   // file name in corpus/<corpus>/, starting with "real_"
  std::string bytes;  // a fuzz input in the target's format
};

struct ProtocolCorpus {
  std::string corpus;  // "query_request", "signed_result", "armored_result", "proto_convert"
  // The target's *AndCheck function: OK iff the input gets all the way through.
  absl::Status (*decode_and_check)(absl::string_view input);
  std::vector<ProtocolSeed> seeds;
};

// Freshly made seeds for the four protocol targets (requests carry fresh nonces, so the bytes
// differ from run to run; every seed decodes and verifies).
std::vector<ProtocolCorpus> MakeProtocolSeeds();

}  // namespace cairn

#endif  // CAIRN_TESTS_FUZZ_PROTOCOL_SEEDS_H_
