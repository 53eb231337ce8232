#include "model/units.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cairn {
namespace {

struct UnitEntry {
  Unit unit;
  std::vector<absl::string_view> aliases;
};

const std::vector<UnitEntry>& Units() {
  static const auto* units = new std::vector<UnitEntry>{
      {{"Wh", "energy", 1e-3}, {}},
      {{"kWh", "energy", 1.0}, {"kwh"}},
      {{"MWh", "energy", 1e3}, {"mwh"}},
      {{"GWh", "energy", 1e6}, {"gwh"}},
      {{"kJ", "energy", 1.0 / 3600.0}, {"kj"}},
      {{"MJ", "energy", 1.0 / 3.6}, {"mj"}},
      {{"GJ", "energy", 1e3 / 3.6}, {"gj"}},
      {{"g", "mass", 1e-3}, {"gCO2e", "g CO2e"}},
      {{"kg", "mass", 1.0}, {"kgCO2e", "kg CO2e", "kgco2e"}},
      {{"t", "mass", 1e3}, {"tonne", "tonnes", "tCO2e", "t CO2e", "tco2e"}},
      {{"kt", "mass", 1e6}, {"ktCO2e", "kt CO2e"}},
      {{"count", "count", 1.0}, {"pcs", "pieces", "units", "unit"}},
      {{"m3", "volume", 1.0}, {"m³", "m^3"}},
      {{"L", "volume", 1e-3}, {"l", "litre", "liter", "litres", "liters"}},
      {{"h", "time", 1.0}, {"hours", "hour"}},
  };
  return *units;
}

}  // namespace

std::optional<Unit> FindUnit(absl::string_view spelling) {
  for (const UnitEntry& e : Units()) {
    if (e.unit.name == spelling) return e.unit;
    for (absl::string_view alias : e.aliases) {
      if (alias == spelling) return e.unit;
    }
  }
  return std::nullopt;
}

absl::StatusOr<double> ConversionFactor(absl::string_view from, absl::string_view to) {
  if (from == to) return 1.0;
  std::optional<Unit> f = FindUnit(from);
  std::optional<Unit> t = FindUnit(to);
  if (!t) {
    return absl::InvalidArgumentError(
        absl::StrCat("unit '", from, "' cannot be converted to '", to, "'"));
  }
  if (!f) {
    return absl::InvalidArgumentError(absl::StrCat("unknown unit '", from, "' (expected one of ",
                                                   UnitsOfDimension(t->dimension), ")"));
  }
  if (f->dimension != t->dimension) {
    return absl::InvalidArgumentError(absl::StrCat("unit '", from, "' (", f->dimension,
                                                   ") cannot be converted to '", to, "' (",
                                                   t->dimension, ")"));
  }
  if (f->name == t->name) return 1.0;
  return f->factor / t->factor;
}

std::string UnitsOfDimension(absl::string_view dimension) {
  std::vector<absl::string_view> names;
  for (const UnitEntry& e : Units()) {
    if (e.unit.dimension == dimension) names.push_back(e.unit.name);
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace cairn
