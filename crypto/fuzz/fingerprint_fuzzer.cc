// Fuzz target: Fingerprint::Parse on untrusted text (command lines, config files, partner
// files). Whatever it accepts must print back to a form that parses to the same fingerprint.
#include <string>
#include <vector>

#include "crypto/fuzz/fuzz_driver.h"
#include "crypto/public_key.h"

namespace cairn {

std::vector<std::string> FuzzSeeds() {
  return {"ed25519:eh7ddx5bksrgcytl7bkai36se4nxx3kl", " ED25519:EH7DDX5BKSRGCYTL7BKAI36SE4NXX3KL\n",
          "ed25519:", "ed25519:77777777777777777777777777777777"};
}

}  // namespace cairn

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
