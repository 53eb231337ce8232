// Early-return helpers for absl::Status, which Debian's abseil (20220623) does not ship.
//
//   CAIRN_RETURN_IF_ERROR(store.Write(batch));
//   CAIRN_ASSIGN_OR_RETURN(Config config, LoadConfig(path));
//
// Both evaluate their argument exactly once. Thread-compatible: they touch no shared state.
#ifndef CAIRN_BASE_STATUS_MACROS_H_
#define CAIRN_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CAIRN_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status cairn_status_ = (expr);         \
    if (!cairn_status_.ok()) return cairn_status_; \
  } while (false)

#define CAIRN_STATUS_CONCAT_INNER_(a, b) a##b
#define CAIRN_STATUS_CONCAT_(a, b) CAIRN_STATUS_CONCAT_INNER_(a, b)

#define CAIRN_ASSIGN_OR_RETURN(lhs, expr) \
  CAIRN_ASSIGN_OR_RETURN_IMPL_(CAIRN_STATUS_CONCAT_(cairn_statusor_, __LINE__), lhs, expr)

#define CAIRN_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)  \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // CAIRN_BASE_STATUS_MACROS_H_
