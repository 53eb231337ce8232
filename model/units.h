// Units of measure and their conversions.
//
// Every unit belongs to a dimension (energy, mass, count, volume, ...) and has a factor to the
// dimension's base unit. A value converts between two units only within one dimension.
// Tables are immutable after static initialisation: all functions are thread-safe.
#ifndef CAIRN_MODEL_UNITS_H_
#define CAIRN_MODEL_UNITS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn {

struct Unit {
  absl::string_view name;       // canonical spelling, e.g. "kWh"
  absl::string_view dimension;  // e.g. "energy"
  double factor;                // multiply by this to get the dimension's base unit
};

// Looks up a unit by its spelling or an accepted alias ("tonne" for "t", "kgCO2e" for "kg").
std::optional<Unit> FindUnit(absl::string_view spelling);

// A factor f such that value_in_to = value_in_from * f. Returns InvalidArgument naming both
// units when either is unknown or their dimensions differ. Identical spellings always convert
// with factor 1, so metrics may use units this table does not know.
absl::StatusOr<double> ConversionFactor(absl::string_view from, absl::string_view to);

// "Wh, kWh, MWh, GWh, kJ, MJ, GJ" — the units of a dimension, for error messages.
std::string UnitsOfDimension(absl::string_view dimension);

}  // namespace cairn

#endif  // CAIRN_MODEL_UNITS_H_
