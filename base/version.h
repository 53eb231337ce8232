// The version every Cairn binary reports (`--version`, `cairnctl status`).
#ifndef CAIRN_BASE_VERSION_H_
#define CAIRN_BASE_VERSION_H_

namespace cairn {

inline constexpr char kCairnVersion[] = "0.1.0";

}  // namespace cairn

#endif  // CAIRN_BASE_VERSION_H_
