// The contract between a fuzz target and its two drivers.
//
// A fuzz target defines LLVMFuzzerTestOneInput (checking invariants with FuzzCheck, which
// aborts so that both libFuzzer and the smoke driver report it) and FuzzSeeds (well-formed
// inputs to start from). Built as a `cc_test` with fuzz_smoke_main.cc it runs the seeds and a
// bounded number of seeded mutations under gcc; built with clang and -fsanitize=fuzzer (see
// BUILD.bazel) it is a libFuzzer binary.
//
// Single-threaded.
#ifndef CAIRN_CRYPTO_FUZZ_FUZZ_DRIVER_H_
#define CAIRN_CRYPTO_FUZZ_FUZZ_DRIVER_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace cairn {

std::vector<std::string> FuzzSeeds();

inline void FuzzCheck(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace cairn

#endif  // CAIRN_CRYPTO_FUZZ_FUZZ_DRIVER_H_
