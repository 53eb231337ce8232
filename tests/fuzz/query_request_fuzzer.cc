// libFuzzer target: OpenQueryRequest on a signed request as a partner sends it (see
// protocol_fuzz_check.h for the input's mode byte). Every promise checked is in
// protocol_fuzz_check.cc.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/protocol_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cairn::OpenRequestAndCheck(absl::string_view(reinterpret_cast<const char*>(data), size))
      .IgnoreError();
  return 0;
}
