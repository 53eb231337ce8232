// Fixed-point figures in limbs; see fixed_point.h.
#include "federation/fixed_point.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

using U128 = unsigned __int128;

constexpr uint64_t kLimbMask = (uint64_t{1} << kLimbBits) - 1;

int BitWidth(U128 x) {
  int bits = 0;
  while (x != 0) {
    ++bits;
    x >>= 1;
  }
  return bits;
}

Quanta Abs(Quanta q) { return q < 0 ? -q : q; }

}  // namespace

absl::StatusOr<Quanta> ToQuanta(double v) {
  if (!std::isfinite(v)) {
    return absl::InvalidArgumentError(absl::StrCat("figure ", v, " is not a finite number"));
  }
  if (v == 0) return Quanta{0};
  int exp = 0;
  const double fraction = std::frexp(std::fabs(v), &exp);  // |v| = fraction * 2^exp
  const uint64_t mantissa = static_cast<uint64_t>(std::ldexp(fraction, 53));
  const int shift = exp - 53;  // |v| = mantissa * 2^shift, exactly
  const U128 scaled = static_cast<U128>(mantissa) * static_cast<U128>(kQuantaPerUnit);
  U128 magnitude = 0;
  if (shift >= 0) {
    if (BitWidth(scaled) + shift > 116) {
      return absl::InvalidArgumentError(
          absl::StrCat("figure ", v, " is too large for the fixed-point encoding (|v| < 8e28)"));
    }
    magnitude = scaled << shift;
  } else if (-shift < 127) {
    const int right = -shift;
    magnitude = (scaled + (U128{1} << (right - 1))) >> right;  // ties away from zero
  }
  if (magnitude > static_cast<U128>(kMaxAbsQuanta)) {
    return absl::InvalidArgumentError(
        absl::StrCat("figure ", v, " is too large for the fixed-point encoding (|v| < 8e28)"));
  }
  const Quanta q = static_cast<Quanta>(magnitude);
  return v < 0 ? -q : q;
}

Quanta QuantaOfInteger(int64_t n) { return static_cast<Quanta>(n) * kQuantaPerUnit; }

double QuantaToDouble(Quanta q) {
  return static_cast<double>(static_cast<long double>(q) /
                             static_cast<long double>(kQuantaPerUnit));
}

std::string FormatQuanta(Quanta q) {
  U128 magnitude = static_cast<U128>(Abs(q));
  const uint64_t fraction = static_cast<uint64_t>(magnitude % kQuantaPerUnit);
  U128 whole = magnitude / kQuantaPerUnit;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(whole % 10)));
    whole /= 10;
  } while (whole != 0);
  std::string out = q < 0 ? absl::StrCat("-", digits) : digits;
  if (fraction != 0) {
    std::string frac = std::to_string(fraction + kQuantaPerUnit).substr(1);  // 6 digits
    while (frac.back() == '0') frac.pop_back();
    absl::StrAppend(&out, ".", frac);
  }
  return out;
}

absl::StatusOr<Quanta> ParseQuanta(absl::string_view text) {
  auto bad = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text.substr(0, 64), "' is not an exact decimal total"));
  };
  absl::string_view rest = text;
  const bool negative = !rest.empty() && rest[0] == '-';
  if (negative) rest.remove_prefix(1);
  const size_t point = rest.find('.');
  absl::string_view whole = rest.substr(0, point);
  absl::string_view frac = point == rest.npos ? absl::string_view() : rest.substr(point + 1);
  if (whole.empty() || (whole.size() > 1 && whole[0] == '0') || whole.size() > 36) return bad();
  if (point != rest.npos && (frac.empty() || frac.size() > kFractionDigits || frac.back() == '0')) {
    return bad();
  }
  U128 magnitude = 0;
  for (char c : whole) {
    if (!absl::ascii_isdigit(c)) return bad();
    magnitude = magnitude * 10 + static_cast<unsigned>(c - '0');
  }
  U128 fraction = 0;
  for (int i = 0; i < kFractionDigits; ++i) {
    char c = i < static_cast<int>(frac.size()) ? frac[i] : '0';
    if (!absl::ascii_isdigit(c)) return bad();
    fraction = fraction * 10 + static_cast<unsigned>(c - '0');
  }
  // 36 digits < 2^120, so this does not wrap; the bound below keeps the result in Quanta.
  if (magnitude > (U128{1} << 120)) return bad();
  magnitude = magnitude * kQuantaPerUnit + fraction;
  if (magnitude > (U128{1} << 126)) return bad();
  if (negative && magnitude == 0) return bad();
  const Quanta q = static_cast<Quanta>(magnitude);
  return negative ? -q : q;
}

void AppendLimbs(Quanta q, std::vector<uint64_t>* words) {
  U128 bits = static_cast<U128>(q);
  for (int k = 0; k < kLimbs; ++k) {
    words->push_back(static_cast<uint64_t>(bits) & kLimbMask);
    bits >>= kLimbBits;
  }
}

absl::StatusOr<Quanta> FromLimbSums(absl::Span<const uint64_t> sums, uint64_t members) {
  if (sums.size() != kLimbs) {
    return absl::InternalError(absl::StrCat("expected ", kLimbs, " limb sums, got ", sums.size()));
  }
  const U128 max_limb_sum = static_cast<U128>(members) * kLimbMask;
  U128 total = 0;
  for (int k = 0; k < kLimbs; ++k) {
    if (sums[k] > max_limb_sum) {
      return absl::DataLossError(
          "the contributions do not add up (a limb sum exceeds what the members can send)");
    }
    total += static_cast<U128>(sums[k]) << (kLimbBits * k);  // mod 2^128
  }
  // 2^127 would be the most negative value, whose magnitude has no Quanta: garbage as well.
  const Quanta signed_total = static_cast<Quanta>(total);
  if (total == (U128{1} << 127) ||
      Abs(signed_total) > static_cast<Quanta>(members) * kMaxAbsQuanta) {
    return absl::DataLossError(
        "the contributions do not add up (the total exceeds what the members can send)");
  }
  return signed_total;
}

}  // namespace cairn
