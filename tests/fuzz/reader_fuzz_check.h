// What the RecordReader fuzz targets check on every input: reading never crashes, hangs or
// leaks, and everything it returns keeps the reader's promises. A broken promise aborts, so
// that libFuzzer (or the corpus test) reports the input. Thread-compatible.
#ifndef CAIRN_TESTS_FUZZ_READER_FUZZ_CHECK_H_
#define CAIRN_TESTS_FUZZ_READER_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>

#include "ingest/record_reader.h"

namespace cairn {

// Reads `data` as `format` to the end, in small batches, and checks: every point references a
// series of its batch, is finite, within ExactSum::kMaxAbsValue and within the supported
// years; every series has normalised tags and a known metric; every error names the file, a
// line inside the input, and reads as UTF-8; progress counters end at the input's size.
void ReadAndCheck(const uint8_t* data, size_t size, InputFormat format);

}  // namespace cairn

#endif  // CAIRN_TESTS_FUZZ_READER_FUZZ_CHECK_H_
