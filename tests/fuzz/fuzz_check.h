// The one rule every fuzz target in tests/fuzz follows: a target checks the promises of the
// decoder it drives and calls FuzzCheck on each; a broken promise aborts with its text, so
// that libFuzzer (clang, tests/fuzz/run.sh) and the gcc driver (fuzz_test_main.cc, in
// `bazel test //...`) both stop and report the input. Thread-safe.
#ifndef CAIRN_TESTS_FUZZ_FUZZ_CHECK_H_
#define CAIRN_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

namespace cairn {

inline void FuzzCheck(bool promise_kept, const char* promise) {
  if (!promise_kept) {
    std::fprintf(stderr, "fuzz target: broken promise: %s\n", promise);
    std::abort();
  }
}

}  // namespace cairn

#endif  // CAIRN_TESTS_FUZZ_FUZZ_CHECK_H_
