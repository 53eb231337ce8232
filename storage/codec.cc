#include "storage/codec.h"

namespace cairn {

void ByteWriter::U32(uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out_->push_back(static_cast<char>(v >> shift));
}

void ByteWriter::U64(uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out_->push_back(static_cast<char>(v >> shift));
}

void ByteWriter::Field(absl::string_view bytes) {
  U32(static_cast<uint32_t>(bytes.size()));
  Raw(bytes);
}

bool ByteReader::Raw(size_t n, absl::string_view* bytes) {
  if (!ok_ || in_.size() < n) return Fail();
  *bytes = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

bool ByteReader::U8(uint8_t* v) {
  absl::string_view b;
  if (!Raw(1, &b)) return false;
  *v = static_cast<uint8_t>(b[0]);
  return true;
}

bool ByteReader::U32(uint32_t* v) {
  absl::string_view b;
  if (!Raw(4, &b)) return false;
  uint32_t out = 0;
  for (char c : b) out = (out << 8) | static_cast<uint8_t>(c);
  *v = out;
  return true;
}

bool ByteReader::U64(uint64_t* v) {
  absl::string_view b;
  if (!Raw(8, &b)) return false;
  return ParseBigEndian64(b, v);
}

bool ByteReader::I64(int64_t* v) {
  uint64_t u = 0;
  if (!U64(&u)) return false;
  *v = static_cast<int64_t>(u);
  return true;
}

bool ByteReader::Field(absl::string_view* bytes) {
  uint32_t n = 0;
  if (!U32(&n)) return false;
  return Raw(n, bytes);
}

bool ByteReader::Field(std::string* bytes) {
  absl::string_view view;
  if (!Field(&view)) return false;
  bytes->assign(view.data(), view.size());
  return true;
}

std::string BigEndian64(uint64_t v) {
  std::string out;
  ByteWriter(&out).U64(v);
  return out;
}

bool ParseBigEndian64(absl::string_view in, uint64_t* v) {
  if (in.size() != 8) return false;
  uint64_t out = 0;
  for (char c : in) out = (out << 8) | static_cast<uint8_t>(c);
  *v = out;
  return true;
}

}  // namespace cairn
