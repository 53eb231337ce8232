#include "storage/keys.h"

#include <cstring>

namespace cairn {
namespace {

void PutBigEndian32(uint32_t v, char* out) {
  for (int i = 3; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

void PutBigEndian64(uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

uint32_t GetBigEndian32(const char* in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

uint64_t GetBigEndian64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

void PutLittleEndian64(uint64_t v, char* out) {
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

uint64_t GetLittleEndian64(const char* in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

constexpr uint64_t kSignBit = uint64_t{1} << 63;

}  // namespace

size_t EncodeRecordKey(SeriesId id, Timestamp ts, char* out) {
  PutBigEndian32(id, out);
  PutBigEndian64(static_cast<uint64_t>(ts) ^ kSignBit, out + 4);
  return kRecordKeySize;
}

size_t EncodeRollupKey(RollupLevel level, SeriesId id, Timestamp bucket_start, char* out) {
  out[0] = static_cast<char>(level);
  EncodeRecordKey(id, bucket_start, out + 1);
  return kRollupKeySize;
}

std::string RecordKey(SeriesId id, Timestamp ts) {
  std::string key(kRecordKeySize, '\0');
  EncodeRecordKey(id, ts, key.data());
  return key;
}

std::string RollupKey(RollupLevel level, SeriesId id, Timestamp bucket_start) {
  std::string key(kRollupKeySize, '\0');
  EncodeRollupKey(level, id, bucket_start, key.data());
  return key;
}

bool DecodeRecordKey(absl::string_view key, SeriesId* id, Timestamp* ts) {
  if (key.size() != kRecordKeySize) return false;
  *id = GetBigEndian32(key.data());
  *ts = static_cast<Timestamp>(GetBigEndian64(key.data() + 4) ^ kSignBit);
  return true;
}

bool DecodeRollupKey(absl::string_view key, RollupLevel* level, SeriesId* id, Timestamp* start) {
  if (key.size() != kRollupKeySize) return false;
  uint8_t l = static_cast<uint8_t>(key[0]);
  if (l > static_cast<uint8_t>(RollupLevel::kMonth)) return false;
  *level = static_cast<RollupLevel>(l);
  return DecodeRecordKey(key.substr(1), id, start);
}

uint64_t DoubleBits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  return bits;
}

void EncodeDouble(double v, char* out) { PutLittleEndian64(DoubleBits(v), out); }

double DecodeDouble(const char* in) {
  uint64_t bits = GetLittleEndian64(in);
  double v;
  std::memcpy(&v, &bits, 8);
  return v;
}

std::string EncodeAggregates(const Aggregates& a) {
  std::string out;
  out.reserve(kRollupValueSize);
  char buf[8];
  PutLittleEndian64(a.count, buf);
  out.append(buf, 8);
  a.sum.EncodeTo(&out);
  EncodeDouble(a.min, buf);
  out.append(buf, 8);
  EncodeDouble(a.max, buf);
  out.append(buf, 8);
  return out;
}

bool DecodeAggregates(absl::string_view in, Aggregates* out) {
  if (in.size() != kRollupValueSize) return false;
  out->count = GetLittleEndian64(in.data());
  if (!out->sum.DecodeFrom(in.substr(8))) return false;
  out->min = DecodeDouble(in.data() + 8 + ExactSum::kEncodedSize);
  out->max = DecodeDouble(in.data() + 16 + ExactSum::kEncodedSize);
  return true;
}

std::string SeriesMetaKey(SeriesId id) {
  std::string key(5, '\0');
  key[0] = kMetaSeriesPrefix;
  PutBigEndian32(id, key.data() + 1);
  return key;
}

bool DecodeSeriesMetaKey(absl::string_view key, SeriesId* id) {
  if (key.size() != 5 || key[0] != kMetaSeriesPrefix) return false;
  *id = GetBigEndian32(key.data() + 1);
  return true;
}

std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  PutLittleEndian64(v, out.data());
  return out;
}

bool DecodeU64(absl::string_view in, uint64_t* v) {
  if (in.size() != 8) return false;
  *v = GetLittleEndian64(in.data());
  return true;
}

}  // namespace cairn
