// Secret containers; see secret.h.
#include "crypto/secret.h"

#include <sodium.h>

#include <utility>

namespace cairn {
namespace secret_internal {

void Wipe(void* p, size_t len) {
  if (len > 0) sodium_memzero(p, len);
}

bool ConstantTimeEqual(const void* a, const void* b, size_t len) {
  return len == 0 || sodium_memcmp(a, b, len) == 0;
}

}  // namespace secret_internal

SecretBytes::SecretBytes(size_t size) : size_(size) {
  if (size > 0) bytes_ = std::make_unique<uint8_t[]>(size + 1);  // value-initialised: zeros
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : bytes_(std::move(other.bytes_)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Clear();
    bytes_ = std::move(other.bytes_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes SecretBytes::CopyFrom(absl::string_view bytes) {
  SecretBytes secret(bytes.size());
  if (!bytes.empty()) std::memcpy(secret.data(), bytes.data(), bytes.size());
  return secret;
}

absl::string_view SecretBytes::view() const {
  if (size_ == 0) return absl::string_view();
  return absl::string_view(reinterpret_cast<const char*>(bytes_.get()), size_);
}

const char* SecretBytes::c_str() const {
  return size_ == 0 ? "" : reinterpret_cast<const char*>(bytes_.get());
}

void SecretBytes::Clear() {
  if (bytes_ != nullptr) secret_internal::Wipe(bytes_.get(), size_ + 1);
  bytes_.reset();
  size_ = 0;
}

bool operator==(const SecretBytes& a, const SecretBytes& b) {
  if (a.size_ != b.size_) return false;
  return secret_internal::ConstantTimeEqual(a.data(), b.data(), a.size_);
}

}  // namespace cairn
