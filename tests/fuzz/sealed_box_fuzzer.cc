// libFuzzer target: Open and Verify on untrusted bytes (sealed results and signatures arrive
// from peers). Nothing may open or verify except what was sealed or signed for real.
//
// The seeds in corpus/sealed_box are a box sealed to Recipient() (identity seed byte 9), its
// signature over "result" followed by "result", and 48 zero bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "crypto/identity.h"
#include "crypto/sealing.h"
#include "crypto/signing.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

const cairn::Identity& Recipient() {
  static const cairn::Identity* identity = [] {
    cairn::SecretArray<cairn::kSeedBytes> seed;
    seed.data()[0] = 9;
    return new cairn::Identity(cairn::Identity::FromSeed(seed));
  }();
  return *identity;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::FuzzCheck;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<std::string> opened = cairn::Open(Recipient(), input);
  if (opened.ok()) FuzzCheck(input.size() == opened->size() + cairn::kSealOverheadBytes, "size");
  if (input.size() >= cairn::kSignatureBytes) {
    const cairn::Signature signature =
        cairn::Signature::FromBytes(input.substr(0, cairn::kSignatureBytes)).value();
    const absl::string_view message = input.substr(cairn::kSignatureBytes);
    // Only a genuine signature verifies; a mutated input must not.
    if (cairn::Verify(Recipient().public_key(), message, signature).ok()) {
      FuzzCheck(signature == cairn::Sign(Recipient(), message), "genuine signature");
    }
  }
  return 0;
}
