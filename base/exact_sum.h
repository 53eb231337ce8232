// ExactSum: an order-independent, exactly invertible sum of doubles.
//
// Each double is mapped to a 192-bit two's-complement fixed-point number with 64 fraction bits
// (resolution 2^-64, about 5.4e-20) and added with integer arithmetic. So a rollup built from
// buckets and a scan of raw records yield bit-identical sums whatever the order, and replacing a
// value (Subtract old, Add new) returns the sum to exactly what it would have been. Magnitudes
// below 2^-64 are truncated toward zero; inputs must satisfy |v| <= kMaxAbsValue, which leaves
// room for 2^60 records before the 128-bit integer part could overflow.
//
// A value type: thread-compatible, no shared state.
#ifndef CAIRN_BASE_EXACT_SUM_H_
#define CAIRN_BASE_EXACT_SUM_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace cairn {

class ExactSum {
 public:
  // Largest magnitude a single value may have (about 1.15e18).
  static constexpr double kMaxAbsValue = 1152921504606846976.0;  // 2^60
  static constexpr size_t kEncodedSize = 24;

  ExactSum() = default;

  void Add(double v) { AddFixed(ToFixed(v)); }
  void Subtract(double v) { AddFixed(Negate(ToFixed(v))); }
  void Merge(const ExactSum& other) { AddFixed(Fixed{other.hi_, other.lo_}); }
  void Unmerge(const ExactSum& other) { AddFixed(Negate(Fixed{other.hi_, other.lo_})); }

  // The sum, correctly rounded to within one unit in the last place.
  double ToDouble() const {
    return static_cast<double>(hi_) + std::ldexp(static_cast<double>(lo_), -64);
  }
  bool IsZero() const { return hi_ == 0 && lo_ == 0; }

  friend bool operator==(const ExactSum& a, const ExactSum& b) {
    return a.hi_ == b.hi_ && a.lo_ == b.lo_;
  }
  friend bool operator!=(const ExactSum& a, const ExactSum& b) { return !(a == b); }

  // Fixed 24-byte little-endian encoding, for storage.
  void EncodeTo(std::string* out) const {
    char buf[kEncodedSize];
    std::memcpy(buf, &lo_, 8);
    std::memcpy(buf + 8, &hi_, 16);
    out->append(buf, kEncodedSize);
  }
  // Reads kEncodedSize bytes from `in`; returns false if fewer are available.
  bool DecodeFrom(absl::string_view in) {
    if (in.size() < kEncodedSize) return false;
    std::memcpy(&lo_, in.data(), 8);
    std::memcpy(&hi_, in.data() + 8, 16);
    return true;
  }

 private:
  struct Fixed {
    __int128 hi;  // integer part, two's complement
    uint64_t lo;  // fraction, units of 2^-64
  };

  static Fixed ToFixed(double v) {
    if (v == 0 || !std::isfinite(v)) return Fixed{0, 0};
    int exp;
    double m = std::frexp(std::fabs(v), &exp);  // |v| = m * 2^exp, m in [0.5, 1)
    uint64_t mant = static_cast<uint64_t>(std::ldexp(m, 53));
    int shift = exp - 53 + 64;  // position of mant's lowest bit in the 192-bit number
    Fixed f{0, 0};
    if (shift <= -64) {
      return f;  // entirely below the resolution
    } else if (shift < 0) {
      f.lo = mant >> -shift;
    } else if (shift == 0) {
      f.lo = mant;
    } else if (shift < 64) {
      f.lo = mant << shift;
      f.hi = static_cast<__int128>(mant >> (64 - shift));
    } else {
      f.hi = static_cast<__int128>(mant) << (shift - 64);
    }
    return v < 0 ? Negate(f) : f;
  }

  static Fixed Negate(Fixed f) {
    Fixed n;
    n.lo = ~f.lo + 1;
    n.hi = ~f.hi + (f.lo == 0 ? 1 : 0);
    return n;
  }

  void AddFixed(Fixed f) {
    uint64_t lo = lo_ + f.lo;
    hi_ += f.hi + (lo < lo_ ? 1 : 0);
    lo_ = lo;
  }

  __int128 hi_ = 0;
  uint64_t lo_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_BASE_EXACT_SUM_H_
