#include "model/metric_registry.h"

#include "absl/strings/str_cat.h"
#include "model/units.h"

namespace cairn {

bool IsValidIdentifier(absl::string_view name) {
  if (name.empty() || name.size() > 64 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

MetricRegistry::MetricRegistry() {
  const Metric builtins[] = {
      {"units_produced", "count", "good units produced", true},
      {"output_mass", "kg", "mass of product output", true},
      {"energy", "kWh", "total energy consumed", true},
      {"electricity", "kWh", "electricity consumed", true},
      {"fuel", "kWh", "fuel consumed, by energy content", true},
      {"co2e_scope1", "kg", "direct emissions, kg CO2e", true},
      {"co2e_scope2", "kg", "indirect emissions from purchased energy, kg CO2e", true},
      {"scrap", "count", "units scrapped", true},
      {"water", "m3", "water withdrawn", true},
  };
  for (const Metric& m : builtins) metrics_.emplace(m.name, m);
}

absl::Status MetricRegistry::Register(Metric metric) {
  if (!IsValidIdentifier(metric.name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metric name '", metric.name,
        "' is not valid: use lower-case letters, digits and '_', starting with a letter"));
  }
  if (metric.unit.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("metric '", metric.name, "' needs a unit"));
  }
  if (const Metric* existing = Find(metric.name)) {
    if (existing->unit == metric.unit) return absl::OkStatus();
    return absl::AlreadyExistsError(
        absl::StrCat("metric '", metric.name, "' already exists with unit '", existing->unit, "'"));
  }
  metric.builtin = false;
  std::string name = metric.name;
  metrics_.emplace(std::move(name), std::move(metric));
  return absl::OkStatus();
}

const Metric* MetricRegistry::Find(absl::string_view name) const {
  auto it = metrics_.find(name);
  return it == metrics_.end() ? nullptr : &it->second;
}

absl::StatusOr<double> MetricRegistry::CanonicalFactor(absl::string_view metric,
                                                       absl::string_view unit) const {
  const Metric* m = Find(metric);
  if (m == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown metric '", metric, "'"));
  }
  absl::StatusOr<double> factor = ConversionFactor(unit, m->unit);
  if (!factor.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(factor.status().message(), " for metric ", m->name));
  }
  return factor;
}

absl::StatusOr<double> MetricRegistry::ToCanonical(absl::string_view metric, absl::string_view unit,
                                                   double value) const {
  absl::StatusOr<double> factor = CanonicalFactor(metric, unit);
  if (!factor.ok()) return factor.status();
  return *factor == 1.0 ? value : value * *factor;
}

std::vector<Metric> MetricRegistry::List() const {
  std::vector<Metric> out;
  for (const auto& [name, metric] : metrics_) out.push_back(metric);
  return out;
}

}  // namespace cairn
