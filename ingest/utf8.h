// UTF-8 validation for imported text.
//
// Import rejects rows that are not well-formed UTF-8 (RFC 3629: shortest form only, no
// surrogates, nothing above U+10FFFF) and names the first offending byte. Pure functions;
// thread-safe.
#ifndef CAIRN_INGEST_UTF8_H_
#define CAIRN_INGEST_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace cairn {

// The offset of the first byte of `text` that does not begin (or continue) a well-formed
// UTF-8 sequence; text.size() when all of `text` is well-formed.
size_t FindInvalidUtf8(absl::string_view text);

// `text` cut to at most `max_bytes` bytes without splitting a UTF-8 sequence.
absl::string_view Utf8Prefix(absl::string_view text, size_t max_bytes);

}  // namespace cairn

#endif  // CAIRN_INGEST_UTF8_H_
