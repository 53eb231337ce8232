// libFuzzer target: DearmorSignedResult and VerifySignedResult on the armoured text `cairnctl
// verify` reads from a file. Every promise checked is in protocol_fuzz_check.cc.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/protocol_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cairn::DearmorResultAndCheck(absl::string_view(reinterpret_cast<const char*>(data), size))
      .IgnoreError();
  return 0;
}
