// Containers for secret bytes (private keys, seeds, shared secrets, PEM-encoded private keys).
//
// A secret container wipes its bytes (sodium_memzero, which the compiler may not elide) when it
// is destroyed or moved from, cannot be copied, and cannot be printed: there is no operator<<,
// no ToString and no AbslStringify; gtest's PrintTo prints "<secret: N bytes>". Equality is
// constant-time in the contents (sodium_memcmp). Keep secrets in these types end to end: copying
// the bytes into a std::string or std::vector leaves copies behind that nobody wipes.
//
// Thread-compatible: const methods may be called concurrently; mutation needs exclusive access.
#ifndef CAIRN_CRYPTO_SECRET_H_
#define CAIRN_CRYPTO_SECRET_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace cairn {

namespace secret_internal {
// Zeroes `len` bytes at `p` in a way the optimiser does not remove.
void Wipe(void* p, size_t len);
// True iff the `len` bytes at `a` and `b` are equal; time depends only on `len`.
bool ConstantTimeEqual(const void* a, const void* b, size_t len);
}  // namespace secret_internal

// N secret bytes held inline (keys, seeds). Zero-initialised.
template <size_t N>
class SecretArray {
 public:
  SecretArray() { std::memset(bytes_, 0, N); }
  ~SecretArray() { secret_internal::Wipe(bytes_, N); }

  SecretArray(const SecretArray&) = delete;
  SecretArray& operator=(const SecretArray&) = delete;
  // Moving copies the bytes and wipes the source.
  SecretArray(SecretArray&& other) noexcept {
    std::memcpy(bytes_, other.bytes_, N);
    secret_internal::Wipe(other.bytes_, N);
  }
  SecretArray& operator=(SecretArray&& other) noexcept {
    if (this != &other) {
      std::memcpy(bytes_, other.bytes_, N);
      secret_internal::Wipe(other.bytes_, N);
    }
    return *this;
  }

  // Copies N bytes from `bytes`, which must hold at least N (the caller wipes its own copy).
  static SecretArray CopyFrom(const uint8_t* bytes) {
    SecretArray secret;
    std::memcpy(secret.bytes_, bytes, N);
    return secret;
  }

  static constexpr size_t size() { return N; }
  uint8_t* data() { return bytes_; }
  const uint8_t* data() const { return bytes_; }
  absl::Span<const uint8_t> span() const { return absl::MakeConstSpan(bytes_, N); }

  friend bool operator==(const SecretArray& a, const SecretArray& b) {
    return secret_internal::ConstantTimeEqual(a.bytes_, b.bytes_, N);
  }
  friend bool operator!=(const SecretArray& a, const SecretArray& b) { return !(a == b); }

  // For gtest only: never shows the bytes.
  friend void PrintTo(const SecretArray&, std::ostream* os) {
    *os << "<secret: " << N << " bytes>";
  }

 private:
  uint8_t bytes_[N];
};

// A variable number of secret bytes on the heap (a PEM private key, a decrypted file).
// The buffer always carries one extra NUL byte after the contents so that c_str() can hand it
// to C APIs that want a string.
class SecretBytes {
 public:
  SecretBytes() = default;
  // `size` zero bytes.
  explicit SecretBytes(size_t size);
  ~SecretBytes() { Clear(); }

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  // Moving transfers the buffer; the source becomes empty.
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;

  // Copies `bytes` (the caller wipes its own copy).
  static SecretBytes CopyFrom(absl::string_view bytes);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint8_t* data() { return bytes_.get(); }
  const uint8_t* data() const { return bytes_.get(); }
  // A view for passing the bytes to an API; the view dies with this object.
  absl::string_view view() const;
  // NUL-terminated contents ("" when empty).
  const char* c_str() const;

  // Wipes and releases the bytes; size() becomes 0.
  void Clear();

  // Constant-time in the contents; the sizes are compared first (they are not secret).
  friend bool operator==(const SecretBytes& a, const SecretBytes& b);
  friend bool operator!=(const SecretBytes& a, const SecretBytes& b) { return !(a == b); }

  // For gtest only: never shows the bytes.
  friend void PrintTo(const SecretBytes& s, std::ostream* os) {
    *os << "<secret: " << s.size_ << " bytes>";
  }

 private:
  std::unique_ptr<uint8_t[]> bytes_;  // size_ + 1 bytes, the last one NUL; null when empty
  size_t size_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_CRYPTO_SECRET_H_
