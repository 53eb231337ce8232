// libFuzzer target: RecordReader over arbitrary bytes as CSV (see reader_fuzz_check.h).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/reader_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cairn::ReadAndCheck(data, size, cairn::InputFormat::kCsv);
  return 0;
}
