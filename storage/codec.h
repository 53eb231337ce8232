// Byte encodings shared by the steward's stores (audit log, ledger, policy versions): big-endian
// integers and length-prefixed byte strings. SHA-256 and hex come from crypto/hash.h.
//
// Every variable-length field is written as u32 big-endian length followed by the bytes, so a
// sequence of fields has exactly one parse (no separators to escape). ByteReader never reads
// past its input: each getter returns false when the bytes run out and leaves the reader
// failed. Pure functions and value types; thread-compatible.
#ifndef CAIRN_STORAGE_CODEC_H_
#define CAIRN_STORAGE_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "crypto/hash.h"

namespace cairn {

// Appends encodings to a string.
class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}

  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U32(uint32_t v);
  void U64(uint64_t v);
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }  // two's complement
  // u32 big-endian length, then the bytes. The caller bounds the size below 4 GiB.
  void Field(absl::string_view bytes);
  // The bytes as they are, without a length (fixed-size values and tags).
  void Raw(absl::string_view bytes) { out_->append(bytes.data(), bytes.size()); }

 private:
  std::string* out_;
};

// Reads encodings from a view; on running out of bytes every getter returns false.
class ByteReader {
 public:
  explicit ByteReader(absl::string_view in) : in_(in) {}

  bool U8(uint8_t* v);
  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool I64(int64_t* v);
  bool Field(std::string* bytes);
  bool Field(absl::string_view* bytes);  // a view into the input
  bool Raw(size_t n, absl::string_view* bytes);

  bool done() const { return ok_ && in_.empty(); }
  bool ok() const { return ok_; }
  absl::string_view rest() const { return in_; }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }

  absl::string_view in_;
  bool ok_ = true;
};

// A big-endian u64 as 8 bytes (sorts numerically as bytes), and back; false unless 8 bytes.
std::string BigEndian64(uint64_t v);
bool ParseBigEndian64(absl::string_view in, uint64_t* v);

}  // namespace cairn

#endif  // CAIRN_STORAGE_CODEC_H_
