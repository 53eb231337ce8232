// OpenSSL plumbing shared by crypto/*.cc: owning pointers for OpenSSL objects and the
// conversion of OpenSSL's error queue into absl::Status. Internal to crypto/.
//
// OpenSSL's error queue is per thread; these helpers touch only the calling thread's queue.
#ifndef CAIRN_CRYPTO_OPENSSL_UTIL_H_
#define CAIRN_CRYPTO_OPENSSL_UTIL_H_

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace cairn {
namespace crypto_internal {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};

inline void FreeBio(BIO* bio) { BIO_free(bio); }

using UniqueX509 = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using UniqueEvpPkey = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using UniqueBio = std::unique_ptr<BIO, OpenSslDeleter<BIO, FreeBio>>;
using UniqueBignum = std::unique_ptr<BIGNUM, OpenSslDeleter<BIGNUM, BN_free>>;
using UniqueX509Extension =
    std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;
using UniqueGeneralNames =
    std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using UniqueBasicConstraints =
    std::unique_ptr<BASIC_CONSTRAINTS, OpenSslDeleter<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>>;

// `code` status whose message is "<what>: <OpenSSL's queued errors>"; empties the queue.
absl::Status OpenSslError(absl::StatusCode code, absl::string_view what);

// Discards whatever OpenSSL queued (after an expected failure we report ourselves).
void ClearOpenSslErrors();

}  // namespace crypto_internal
}  // namespace cairn

#endif  // CAIRN_CRYPTO_OPENSSL_UTIL_H_
