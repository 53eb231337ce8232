#include "policy/chi_square.h"

#include <cmath>
#include <map>

#include "absl/strings/str_format.h"

namespace cairn {
namespace {

// Regularised lower incomplete gamma P(a, x) by its series; for x < a + 1.
double GammaPSeries(double a, double x) {
  double term = 1 / a;
  double sum = term;
  for (int n = 1; n < 10000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-15) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Regularised upper incomplete gamma Q(a, x) by its continued fraction (modified Lentz);
// for x >= a + 1.
double GammaQContinuedFraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a;
  double c = 1 / kTiny;
  double d = 1 / b;
  double h = d;
  for (int i = 1; i < 10000; ++i) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-15) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

double ChiSquarePValue(double chi2, int df) {
  if (chi2 <= 0) return 1;
  double a = df / 2.0;
  double x = chi2 / 2;
  return x < a + 1 ? 1 - GammaPSeries(a, x) : GammaQContinuedFraction(a, x);
}

std::string ChiSquareFit::ToString() const {
  return absl::StrFormat("chi2=%.2f df=%d p=%.3g", statistic, degrees_of_freedom, p_value);
}

ChiSquareFit FitIntegerSamples(const std::vector<int64_t>& samples,
                               const std::function<double(int64_t)>& pmf, int64_t center) {
  const double n = static_cast<double>(samples.size());
  constexpr double kMinExpected = 5;
  constexpr int64_t kMaxBins = 100000;  // bounds the scan for very wide distributions
  int64_t lo = center;
  int64_t hi = center;
  while (hi - center < kMaxBins && n * pmf(hi + 1) >= kMinExpected) ++hi;
  while (center - lo < kMaxBins && n * pmf(lo - 1) >= kMinExpected) --lo;

  std::map<int64_t, double> observed;  // key lo-1: left tail, hi+1: right tail
  for (int64_t s : samples) observed[s < lo ? lo - 1 : s > hi ? hi + 1 : s] += 1;

  double inside = 0;
  double chi2 = 0;
  for (int64_t z = lo; z <= hi; ++z) {
    double e = n * pmf(z);
    inside += pmf(z);
    double o = observed[z];
    chi2 += (o - e) * (o - e) / e;
  }
  // Tails: their mass, split by the pmf's decay on each side.
  double left = 0;
  for (int64_t z = lo - 1; z > lo - 1 - kMaxBins; --z) {
    double p = pmf(z);
    left += p;
    if (p < 1e-18) break;
  }
  double right = std::max(0.0, 1 - inside - left);
  int bins = static_cast<int>(hi - lo + 1);
  for (auto [key, mass] : {std::pair<int64_t, double>{lo - 1, left}, {hi + 1, right}}) {
    double e = n * mass;
    double o = observed[key];
    if (e < 1e-9) {
      // No mass expected: any observation there is a misfit of its own.
      if (o > 0) chi2 += o * o / 1e-9;
      continue;
    }
    chi2 += (o - e) * (o - e) / e;
    ++bins;
  }
  ChiSquareFit fit;
  fit.statistic = chi2;
  fit.degrees_of_freedom = bins - 1;
  fit.p_value = ChiSquarePValue(chi2, fit.degrees_of_freedom);
  return fit;
}

}  // namespace cairn
