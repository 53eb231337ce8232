// libFuzzer target: FromProto(Query), FromProto(QueryResult) and FromProto(RecordBatch) on an
// arbitrary Cap'n Proto message (the first byte picks the type), read with EnvelopeReaderOptions().
// Every promise checked is in protocol_fuzz_check.cc.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/protocol_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cairn::DecodeWireMessageAndCheck(absl::string_view(reinterpret_cast<const char*>(data), size))
      .IgnoreError();
  return 0;
}
