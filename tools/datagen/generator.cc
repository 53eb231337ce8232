#include "tools/datagen/generator.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ingest/utf8.h"

namespace cairn {
namespace {

constexpr size_t kChunkBytes = 1 << 20;
constexpr double kGasKgCo2ePerKwh = 0.202;                   // natural gas, by energy content
constexpr Timestamp kShiftStartOffset = 6 * kMicrosPerHour;  // shifts start 06, 14, 22 UTC
constexpr Timestamp kShiftLength = 8 * kMicrosPerHour;
constexpr double kMeanStopMinutes = 45;
constexpr double kStopsPerLinePerDay = 1.0;

// xoshiro256** seeded through splitmix64: fast, and the same stream on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : state_) {
      seed += 0x9E3779B97F4A7C15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  // Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u = 1.0 - Uniform();  // (0, 1]
    const double v = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u));
    spare_ = r * std::sin(2 * M_PI * v);
    has_spare_ = true;
    return r * std::cos(2 * M_PI * v);
  }
  // A multiplicative noise factor around 1, never negative.
  double Noise(double relative_sd) { return std::max(0.0, 1.0 + relative_sd * Normal()); }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
  bool has_spare_ = false;
  double spare_ = 0;
};

enum Metric { kUnits, kMass, kScrap, kElectricity, kFuel, kEnergy, kScope1, kScope2, kWater };

struct MetricFormat {
  absl::string_view name;
  absl::string_view unit;
  int decimals;
  // The unit some series use with --mixed-units ("" for none), and value_there = value * factor.
  absl::string_view alt_unit;
  double alt_factor;
  int alt_decimals;
};

constexpr std::array<MetricFormat, kMetricsPerLine> kMetrics = {{
    {"units_produced", "count", 0, "", 1, 0},
    {"output_mass", "kg", 3, "t", 1e-3, 6},
    {"scrap", "count", 0, "", 1, 0},
    {"electricity", "kWh", 3, "MWh", 1e-3, 6},
    {"fuel", "kWh", 3, "GJ", 0.0036, 7},
    {"energy", "kWh", 3, "MWh", 1e-3, 6},
    {"co2e_scope1", "kg", 3, "t", 1e-3, 6},
    {"co2e_scope2", "kg", 3, "t", 1e-3, 6},
    {"water", "m3", 4, "L", 1e3, 1},
}};

struct Product {
  double unit_mass_kg;
  double rate_kg_per_hour;        // at full activity
  double electricity_kwh_per_kg;  // process electricity
  double fuel_kwh_per_kg;         // furnaces, dryers
  double scrap_rate;
  double water_m3_per_kg;
};

struct Line {
  int site = 0;
  double capacity = 1;  // relative speed of this line
  double idle_kw = 0;   // electricity drawn even when not producing
  double idle_fuel_kw = 0;
  std::array<bool, kMetricsPerLine> alt_unit{};
  std::vector<std::string> tags;  // per product: CSV ",site,line,product," or JSON members
  int product = 0;
  int64_t shift = -1;
  int64_t stop_intervals_left = 0;
};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

double Round(double v, int decimals) {
  static constexpr double kScale[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
  return std::round(v * kScale[decimals]) / kScale[decimals];
}

void AppendNumber(double v, int decimals, std::string* out) {
  char buf[64];
  char* end = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, decimals).ptr;
  if (decimals > 0) {
    while (end[-1] == '0') --end;
    if (end[-1] == '.') --end;
  }
  if (end - buf == 2 && buf[0] == '-' && buf[1] == '0') {
    out->push_back('0');
    return;
  }
  out->append(buf, end);
}

std::string CsvCell(absl::string_view text) {
  if (text.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Production speed by shift (06-14, 14-22, 22-06) and by weekday (Monday first).
constexpr double kShiftActivity[] = {1.0, 0.95, 0.7};
constexpr double kWeekdayActivity[] = {1, 1, 1, 1, 1, 0.5, 0.15};

class Plant {
 public:
  explicit Plant(const DatagenOptions& o) : options_(o), rng_(o.seed) {
    Rng params(o.seed ^ 0x5EED5EED5EED5EEDULL);
    for (int p = 0; p < o.products; ++p) {
      products_.push_back(Product{std::exp(params.Uniform(std::log(0.2), std::log(40.0))),
                                  params.Uniform(600, 2400), params.Uniform(0.25, 1.1),
                                  params.Uniform(0.1, 1.8), params.Uniform(0.005, 0.04),
                                  params.Uniform(0.0003, 0.003)});
    }
    for (int s = 0; s < o.sites; ++s) {
      site_grid_.push_back(params.Uniform(0.10, 0.45));  // kg CO2e per kWh
      for (int l = 0; l < o.lines_per_site; ++l) {
        Line line;
        line.site = s;
        line.capacity = params.Uniform(0.85, 1.15);
        line.idle_kw = params.Uniform(25, 90);
        line.idle_fuel_kw = params.Uniform(5, 40);
        // A third of the (line, metric) meters report in another unit; from three lines on,
        // every alternative unit occurs.
        for (int m = 0; m < kMetricsPerLine; ++m) {
          line.alt_unit[m] =
              o.mixed_units && !kMetrics[m].alt_unit.empty() && (lines_.size() + m) % 3 == 0;
        }
        const std::string site = absl::StrCat(o.plant, "-", s + 1);
        const std::string name = absl::StrCat("L", l + 1);
        for (int p = 0; p < o.products; ++p) {
          const std::string product = absl::StrCat("P-", 100 + p);
          line.tags.push_back(o.format == DatagenOptions::Format::kCsv
                                  ? absl::StrCat(",", CsvCell(site), ",", name, ",", product, ",")
                                  : absl::StrCat("\",\"site\":", JsonString(site), ",\"line\":\"",
                                                 name, "\",\"product\":\"", product,
                                                 "\",\"metric\":\""));
        }
        lines_.push_back(std::move(line));
      }
    }
    used_.assign(lines_.size() * products_.size(), false);
  }

  absl::StatusOr<DatagenStats> Run(const std::function<absl::Status(absl::string_view)>& write) {
    write_ = &write;
    out_.reserve(kChunkBytes + 4096);
    if (options_.format == DatagenOptions::Format::kCsv) {
      out_ = "timestamp,site,line,product,metric,value,unit\n";
    }
    for (Timestamp t = options_.from; t < options_.to; t += options_.interval) {
      Step(t);
      if (out_.size() >= kChunkBytes && !Flush()) return status_;
    }
    if (!Flush()) return status_;
    stats_.series = std::count(used_.begin(), used_.end(), true) * kMetricsPerLine;
    return stats_;
  }

 private:
  bool Flush() {
    if (out_.empty()) return true;
    stats_.bytes += out_.size();
    status_ = (*write_)(out_);
    out_.clear();
    return status_.ok();
  }

  // Every line's nine records for the interval starting at `t`.
  void Step(Timestamp t) {
    const std::string ts = FormatTimestamp(t);
    const double hours = static_cast<double>(options_.interval) / kMicrosPerHour;
    const int64_t day = FloorDiv(t, kMicrosPerDay);
    const int weekday = static_cast<int>((day + 3) % 7 + 7) % 7;  // 0 = Monday (1970-01-01 a Thu)
    const double hour = static_cast<double>(t - day * kMicrosPerDay) / kMicrosPerHour;
    const int64_t shift_index = FloorDiv(t - kShiftStartOffset, kShiftLength);
    const int shift = static_cast<int>((shift_index % 3 + 3) % 3);  // 0: 06-14, 1: 14-22, 2: night
    const double base_activity = kShiftActivity[shift] * kWeekdayActivity[weekday];
    // Grid carbon intensity peaks in the early evening.
    const double grid_shape = 1.0 + 0.12 * std::exp(-(hour - 19) * (hour - 19) / 8);

    for (size_t i = 0; i < lines_.size(); ++i) {
      Line& line = lines_[i];
      if (line.shift != shift_index) {  // product changeover happens at shift change
        if (line.shift < 0 || rng_.Uniform() < 0.5) line.product = rng_.Below(options_.products);
        line.shift = shift_index;
      }
      used_[i * products_.size() + line.product] = true;
      bool running = true;
      if (line.stop_intervals_left > 0) {
        --line.stop_intervals_left;
        running = false;
      } else if (rng_.Uniform() < kStopsPerLinePerDay * hours / 24) {
        const double minutes = -kMeanStopMinutes * std::log(1.0 - rng_.Uniform());
        line.stop_intervals_left = static_cast<int64_t>(minutes / (hours * 60));
        running = false;
      }
      const Product& p = products_[line.product];
      const double activity =
          running ? std::min(1.3, base_activity * line.capacity * rng_.Noise(0.05)) : 0.0;
      const double units = std::round(p.rate_kg_per_hour * activity * hours / p.unit_mass_kg);
      const double mass = Round(units * p.unit_mass_kg * rng_.Noise(0.01), 3);
      const double scrap = std::round(units * p.scrap_rate * rng_.Noise(0.4));
      const double electricity = Round(line.idle_kw * hours * rng_.Noise(0.03) +
                                           mass * p.electricity_kwh_per_kg * rng_.Noise(0.03),
                                       3);
      const double fuel =
          Round(line.idle_fuel_kw * hours + mass * p.fuel_kwh_per_kg * rng_.Noise(0.04), 3);
      const double water = Round(0.02 * hours + mass * p.water_m3_per_kg * rng_.Noise(0.05), 4);
      const double values[kMetricsPerLine] = {
          units,
          mass,
          scrap,
          electricity,
          fuel,
          Round(electricity + fuel, 3),
          Round(fuel * kGasKgCo2ePerKwh, 3),
          Round(electricity * site_grid_[line.site] * grid_shape, 3),
          water,
      };
      const std::string& tags = line.tags[line.product];
      for (int m = 0; m < kMetricsPerLine; ++m) {
        const MetricFormat& f = kMetrics[m];
        const bool alt = line.alt_unit[m];
        if (options_.format == DatagenOptions::Format::kCsv) {
          out_ += ts;
          out_ += tags;
          Append(f.name);
          out_ += ',';
          AppendNumber(alt ? values[m] * f.alt_factor : values[m],
                       alt ? f.alt_decimals : f.decimals, &out_);
          out_ += ',';
          Append(alt ? f.alt_unit : f.unit);
          out_ += '\n';
        } else {
          out_ += "{\"timestamp\":\"";
          out_ += ts;
          out_ += tags;
          Append(f.name);
          out_ += "\",\"value\":";
          AppendNumber(alt ? values[m] * f.alt_factor : values[m],
                       alt ? f.alt_decimals : f.decimals, &out_);
          out_ += ",\"unit\":\"";
          Append(alt ? f.alt_unit : f.unit);
          out_ += "\"}\n";
        }
      }
      stats_.records += kMetricsPerLine;
    }
  }

  void Append(absl::string_view text) { out_.append(text.data(), text.size()); }

  const DatagenOptions& options_;
  Rng rng_;
  std::vector<Product> products_;
  std::vector<double> site_grid_;
  std::vector<Line> lines_;
  std::vector<bool> used_;  // [line * products + product]
  std::string out_;
  const std::function<absl::Status(absl::string_view)>* write_ = nullptr;
  absl::Status status_;
  DatagenStats stats_;
};

}  // namespace

absl::Status ValidateOptions(const DatagenOptions& o) {
  if (o.from < kMinTimestamp || o.to > kMaxTimestamp) {
    return absl::InvalidArgumentError("--from/--to: times must lie in the years 1900..9999");
  }
  if (o.to <= o.from) return absl::InvalidArgumentError("--to must be after --from");
  if (o.interval < kMicrosPerSecond) {
    return absl::InvalidArgumentError("--interval must be at least one second");
  }
  if (o.sites < 1 || o.sites > 1000) return absl::InvalidArgumentError("--sites must be 1..1000");
  if (o.lines_per_site < 1 || o.lines_per_site > 100) {
    return absl::InvalidArgumentError("--lines must be 1..100");
  }
  if (o.products < 1 || o.products > 1000) {
    return absl::InvalidArgumentError("--products must be 1..1000");
  }
  if (o.plant.empty() || o.plant.size() > 200 || FindInvalidUtf8(o.plant) != o.plant.size() ||
      std::any_of(o.plant.begin(), o.plant.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
    return absl::InvalidArgumentError(
        "--plant must be 1..200 bytes of UTF-8 text without control characters");
  }
  return absl::OkStatus();
}

void SizeForSeries(int64_t series, DatagenOptions* options) {
  constexpr int64_t kMaxLinesPerSite = 8;
  const int64_t lines = std::clamp<int64_t>((series + kMetricsPerLine / 2) / kMetricsPerLine, 1,
                                            1000 * kMaxLinesPerSite);
  const int64_t sites = (lines + kMaxLinesPerSite - 1) / kMaxLinesPerSite;
  options->sites = static_cast<int>(sites);
  options->lines_per_site = static_cast<int>((lines + sites - 1) / sites);
}

absl::StatusOr<DatagenStats> GenerateRecords(
    const DatagenOptions& options, const std::function<absl::Status(absl::string_view)>& write) {
  absl::Status valid = ValidateOptions(options);
  if (!valid.ok()) return valid;
  return Plant(options).Run(write);
}

}  // namespace cairn
