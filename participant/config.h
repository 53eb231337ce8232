// cairnd's configuration: a TOML file in the data dir, written with commented defaults by
// `cairnctl init` and read by cairnd at start.
//
// Every key is optional (the default applies); an unknown key, a value of the wrong type or
// out of range is an error naming the file, line and key — a typo must never be silently
// ignored. Value type; thread-compatible.
#ifndef CAIRN_PARTICIPANT_CONFIG_H_
#define CAIRN_PARTICIPANT_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn {

struct Config {
  // [participant]
  std::string name;  // shown to partners; required

  // [admin]
  std::string admin_socket = "cairnd.sock";  // relative to the data dir

  // [storage]
  int64_t block_cache_mb = 64;
  int64_t write_buffer_mb = 32;
  bool sync = true;

  // [query]
  int64_t query_threads = 2;

  // [partners]
  std::string listen = "127.0.0.1:7443";  // "" disables the partner listener
  int64_t max_request_age_seconds = 300;  // freshness window for signed requests
  int64_t ask_timeout_seconds = 30;       // when this daemon asks a partner
  // Limits on what reaches the partner port; docs/operator.md says what each protects against.
  // Against peers that connect and never finish the TLS handshake (anyone who can reach the
  // port): each pending handshake holds a descriptor and TLS state until it ends.
  int64_t handshake_timeout_seconds = 10;
  int64_t max_pending_handshakes = 256;             // all addresses; see partner_listener.h
  int64_t max_pending_handshakes_per_address = 16;  // one source cannot take them all
  // Against authenticated partners holding descriptors, memory and threads.
  int64_t max_connections = 256;  // all partners together
  int64_t max_connections_per_partner = 4;
  int64_t max_calls_in_flight = 16;  // per connection, every capability together
  int64_t max_queued_calls = 256;    // all partners' calls in the worker queues
  int64_t max_message_kib = 1024;    // largest message a partner may send

  // [log]
  std::string log_level = "info";
};

// Parses `text`; `path` names the file in errors ("cairnd.toml:7:1: storage.sync: expected a
// boolean"). InvalidArgument on any error; nothing is partially applied.
absl::StatusOr<Config> ParseConfig(absl::string_view text, absl::string_view path);
// Reads and parses the file; NotFound if it does not exist.
absl::StatusOr<Config> LoadConfig(const std::string& path);

// The file `cairnctl init` writes: every setting with its default and a comment. A non-empty
// `listen` is written as the partner listener's address instead of the commented default.
std::string DefaultConfigText(absl::string_view name, absl::string_view listen = "");

}  // namespace cairn

#endif  // CAIRN_PARTICIPANT_CONFIG_H_
