// Writes fresh real-message seeds for the protocol fuzz targets (protocol_seeds.h) into
// CORPUS_ROOT/<corpus>/, replacing older real_* files of the same name:
//
//   bazel run //tests/fuzz:write_protocol_seeds -- "$PWD/tests/fuzz/corpus"
//
// Run it when the wire format changes (protocol_seeds_test says so). Single-threaded.
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/fuzz/protocol_seeds.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT\n", argv[0]);
    return 2;
  }
  for (const cairn::ProtocolCorpus& corpus : cairn::MakeProtocolSeeds()) {
    for (const cairn::ProtocolSeed& seed : corpus.seeds) {
      const std::string path = std::string(argv[1]) + "/" + corpus.corpus + "/" + seed.name;
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << seed.bytes;
      if (!out.flush()) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        return 1;
      }
      std::printf("%s (%zu bytes)\n", path.c_str(), seed.bytes.size());
    }
  }
  return 0;
}
