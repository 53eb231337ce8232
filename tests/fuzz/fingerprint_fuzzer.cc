// libFuzzer target: Fingerprint::Parse on untrusted text (command lines, config files, partner
// files). Whatever it accepts must print back to a form that parses to the same fingerprint.
#include <cstddef>
#include <cstdint>
#include <string>

#include "crypto/public_key.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::FuzzCheck;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<cairn::Fingerprint> fingerprint = cairn::Fingerprint::Parse(input);
  if (!fingerprint.ok()) {
    FuzzCheck(fingerprint.status().code() == absl::StatusCode::kInvalidArgument,
              "only InvalidArgument");
    FuzzCheck(fingerprint.status().message().size() < 400, "bounded error message");
    return 0;
  }
  const std::string text = fingerprint->ToString();
  FuzzCheck(text.size() == 40, "prefix + 32 characters");
  const absl::StatusOr<cairn::Fingerprint> again = cairn::Fingerprint::Parse(text);
  FuzzCheck(again.ok() && *again == *fingerprint, "printed form round-trips");
  return 0;
}
