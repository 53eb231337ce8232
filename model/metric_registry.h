// The metric registry: which metrics exist and the canonical unit each is stored in.
//
// The built-in metrics (energy, co2e_scope1, units_produced, ...) always exist; a data steward
// may register more. Records are converted to the canonical unit on import, so every stored
// value of a metric is in one unit. A MetricRegistry is a value: copy it to share it, and
// synchronise externally if one instance is mutated while others read it.
#ifndef CAIRN_MODEL_METRIC_REGISTRY_H_
#define CAIRN_MODEL_METRIC_REGISTRY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn {

struct Metric {
  std::string name;         // [a-z][a-z0-9_]*, at most 64 bytes
  std::string unit;         // canonical unit
  std::string description;  // one line for humans
  bool builtin = false;
};

class MetricRegistry {
 public:
  // A registry holding the built-in metrics.
  MetricRegistry();

  // Registers a custom metric. InvalidArgument if the name is malformed or the unit empty;
  // AlreadyExists if a metric of that name exists with another unit (registering the same
  // definition again is a no-op and returns OK).
  absl::Status Register(Metric metric);

  // nullptr if unknown.
  const Metric* Find(absl::string_view name) const;

  // Converts `value` given in `unit` to the metric's canonical unit. InvalidArgument naming
  // the metric and both units when the unit is unknown or of another dimension; NotFound for
  // an unknown metric.
  absl::StatusOr<double> ToCanonical(absl::string_view metric, absl::string_view unit,
                                     double value) const;
  // The factor ToCanonical multiplies by; lets a parser resolve (metric, unit) once per column.
  absl::StatusOr<double> CanonicalFactor(absl::string_view metric, absl::string_view unit) const;

  std::vector<Metric> List() const;  // sorted by name

 private:
  std::map<std::string, Metric, std::less<>> metrics_;
};

// True for names of the form [a-z][a-z0-9_]{0,63}; used for metrics and tags.
bool IsValidIdentifier(absl::string_view name);

}  // namespace cairn

#endif  // CAIRN_MODEL_METRIC_REGISTRY_H_
