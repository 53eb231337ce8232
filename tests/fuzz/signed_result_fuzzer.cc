// libFuzzer target: DecodeSignedResult and VerifySignedResult on an encoded, signed result as it
// comes out of its sealed box (see protocol_fuzz_check.h for the mode byte). Every promise checked
// is in protocol_fuzz_check.cc.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/protocol_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cairn::VerifyResultAndCheck(absl::string_view(reinterpret_cast<const char*>(data), size))
      .IgnoreError();
  return 0;
}
