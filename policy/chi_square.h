// Pearson's chi-square goodness-of-fit test for integer-valued samples, for the statistical
// tests of the noise mechanisms. Pure functions; thread-safe.
#ifndef CAIRN_POLICY_CHI_SQUARE_H_
#define CAIRN_POLICY_CHI_SQUARE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cairn {

// P(X >= chi2) for X ~ chi-square with `df` degrees of freedom (the test's p-value).
double ChiSquarePValue(double chi2, int df);

struct ChiSquareFit {
  double statistic = 0;
  int degrees_of_freedom = 0;
  double p_value = 0;
  std::string ToString() const;
};

// Fits `samples` against the probability mass function `pmf` on the integers. One bin per
// integer whose expected count is at least 5, scanning outward from `center`; the two tails
// beyond are pooled into one bin each.
ChiSquareFit FitIntegerSamples(const std::vector<int64_t>& samples,
                               const std::function<double(int64_t)>& pmf, int64_t center = 0);

}  // namespace cairn

#endif  // CAIRN_POLICY_CHI_SQUARE_H_
