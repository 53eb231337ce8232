#include "ingest/record_reader.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "ingest/csv_reader.h"
#include "ingest/input_buffer.h"
#include "ingest/jsonl_reader.h"

namespace cairn {
namespace {

constexpr absl::string_view kByteOrderMark = "\xEF\xBB\xBF";
// How far format detection looks for the first non-blank byte.
constexpr size_t kSniffBytes = 4096;

InputFormat FormatFromName(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (absl::EndsWith(lower, ".csv")) return InputFormat::kCsv;
  for (absl::string_view ext : {".jsonl", ".ndjson", ".json"}) {
    if (absl::EndsWith(lower, ext)) return InputFormat::kJsonLines;
  }
  return InputFormat::kAuto;
}

InputFormat FormatFromContent(absl::string_view head) {
  for (char c : head) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' ? InputFormat::kJsonLines : InputFormat::kCsv;
  }
  return InputFormat::kCsv;
}

absl::StatusOr<std::unique_ptr<RecordReader>> Create(std::unique_ptr<InputBuffer> input,
                                                     std::string name, InputFormat format,
                                                     const MetricRegistry& registry) {
  CAIRN_RETURN_IF_ERROR(input->FillAtLeast(kSniffBytes));
  if (absl::StartsWith(input->window(), kByteOrderMark)) input->Consume(kByteOrderMark.size());
  if (format == InputFormat::kAuto) format = FormatFromName(name);
  if (format == InputFormat::kAuto) {
    format = FormatFromContent(input->window().substr(0, kSniffBytes));
  }
  if (format == InputFormat::kJsonLines) {
    return JsonLinesReader::Create(std::move(input), std::move(name), registry);
  }
  return CsvReader::Create(std::move(input), std::move(name), registry);
}

}  // namespace

std::string RowError::ToString() const {
  if (field.empty()) return absl::StrCat(file, ":", line, ": ", message);
  return absl::StrCat(file, ":", line, ": field '", field, "': ", message);
}

absl::StatusOr<std::unique_ptr<RecordReader>> RecordReader::Open(const std::string& path,
                                                                 InputFormat format,
                                                                 const MetricRegistry& registry) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<InputBuffer> input, InputBuffer::OpenFile(path));
  return Create(std::move(input), path == "-" ? "<stdin>" : path, format, registry);
}

absl::StatusOr<std::unique_ptr<RecordReader>> RecordReader::FromString(
    std::string contents, absl::string_view display_name, InputFormat format,
    const MetricRegistry& registry) {
  return Create(InputBuffer::FromString(std::move(contents)), std::string(display_name), format,
                registry);
}

}  // namespace cairn
