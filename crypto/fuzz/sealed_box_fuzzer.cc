// Fuzz target: Open and Verify on untrusted bytes (sealed results and signatures arrive from
// peers). Nothing may open or verify except what was sealed or signed for real.
#include <string>
#include <vector>

#include "crypto/fuzz/fuzz_driver.h"
#include "crypto/identity.h"
#include "crypto/sealing.h"
#include "crypto/signing.h"

namespace cairn {
namespace {

const Identity& Recipient() {
  static const Identity* identity = [] {
    SecretArray<kSeedBytes> seed;
    seed.data()[0] = 9;
    return new Identity(Identity::FromSeed(seed));
  }();
  return *identity;
}

}  // namespace

std::vector<std::string> FuzzSeeds() {
  const std::string sealed = Seal(Recipient().public_key(), "result").value();
  const std::string signature(Sign(Recipient(), "result").AsStringView());
  return {sealed, signature + "result", std::string(48, '\0')};
}

}  // namespace cairn

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::FuzzCheck;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<std::string> opened = cairn::Open(cairn::Recipient(), input);
  if (opened.ok()) FuzzCheck(input.size() == opened->size() + cairn::kSealOverheadBytes, "size");
  if (input.size() >= cairn::kSignatureBytes) {
    const cairn::Signature signature =
        cairn::Signature::FromBytes(input.substr(0, cairn::kSignatureBytes)).value();
    const absl::string_view message = input.substr(cairn::kSignatureBytes);
    // Only the real signature over "result" verifies; a mutated input must not.
    if (cairn::Verify(cairn::Recipient().public_key(), message, signature).ok()) {
      FuzzCheck(signature == cairn::Sign(cairn::Recipient(), message), "genuine signature");
    }
  }
  return 0;
}
