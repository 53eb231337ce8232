#include "participant/config.h"

#include <errno.h>
#include <string.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/logging.h"
#include "model/metric_registry.h"
#include "toml++/toml.h"

namespace cairn {
namespace {

// One settable key: how to read it from a TOML node into a Config, and its range check.
struct Field {
  const char* section;
  const char* key;
  std::function<absl::Status(const toml::node&, Config*)> read;
};

absl::Status Expect(const toml::node& node, const char* what) {
  return absl::InvalidArgumentError(absl::StrCat("expected ", what, ", got ",
                                                 node.is_string()    ? "a string"
                                                 : node.is_integer() ? "an integer"
                                                 : node.is_boolean() ? "a boolean"
                                                 : node.is_table()   ? "a table"
                                                                     : "another type"));
}

Field StringField(const char* section, const char* key, std::string Config::*member,
                  std::function<absl::Status(const std::string&)> check = {}) {
  return {section, key, [member, check](const toml::node& n, Config* c) -> absl::Status {
            if (!n.is_string()) return Expect(n, "a string");
            std::string v = n.as_string()->get();
            if (check) {
              absl::Status s = check(v);
              if (!s.ok()) return s;
            }
            c->*member = v;
            return absl::OkStatus();
          }};
}

Field IntField(const char* section, const char* key, int64_t Config::*member, int64_t lo,
               int64_t hi) {
  return {section, key, [member, lo, hi](const toml::node& n, Config* c) -> absl::Status {
            if (!n.is_integer()) return Expect(n, "an integer");
            int64_t v = n.as_integer()->get();
            if (v < lo || v > hi) {
              return absl::InvalidArgumentError(
                  absl::StrCat("must be between ", lo, " and ", hi, ", got ", v));
            }
            c->*member = v;
            return absl::OkStatus();
          }};
}

Field BoolField(const char* section, const char* key, bool Config::*member) {
  return {section, key, [member](const toml::node& n, Config* c) -> absl::Status {
            if (!n.is_boolean()) return Expect(n, "a boolean (true or false)");
            c->*member = n.as_boolean()->get();
            return absl::OkStatus();
          }};
}

const std::vector<Field>& Fields() {
  static const auto* fields = new std::vector<Field>{
      StringField("participant", "name", &Config::name,
                  [](const std::string& v) {
                    return v.empty() || v.size() > 128
                               ? absl::InvalidArgumentError("must be 1 to 128 characters")
                               : absl::OkStatus();
                  }),
      StringField("admin", "socket", &Config::admin_socket,
                  [](const std::string& v) {
                    return v.empty() || v.size() > 100
                               ? absl::InvalidArgumentError("must be 1 to 100 characters")
                               : absl::OkStatus();
                  }),
      IntField("storage", "block_cache_mb", &Config::block_cache_mb, 8, 65536),
      IntField("storage", "write_buffer_mb", &Config::write_buffer_mb, 4, 4096),
      BoolField("storage", "sync", &Config::sync),
      IntField("query", "threads", &Config::query_threads, 1, 64),
      StringField("partners", "listen", &Config::listen,
                  [](const std::string& v) {
                    return v.empty() || (v.rfind(':') != std::string::npos && v.size() < 256)
                               ? absl::OkStatus()
                               : absl::InvalidArgumentError(
                                     "must be HOST:PORT (e.g. \"0.0.0.0:7443\") or \"\"");
                  }),
      IntField("partners", "max_request_age_seconds", &Config::max_request_age_seconds, 1, 86400),
      IntField("partners", "handshake_timeout_seconds", &Config::handshake_timeout_seconds, 1, 300),
      IntField("partners", "max_pending_handshakes", &Config::max_pending_handshakes, 1, 65536),
      IntField("partners", "max_pending_handshakes_per_address",
               &Config::max_pending_handshakes_per_address, 1, 65536),
      IntField("partners", "max_connections", &Config::max_connections, 1, 65536),
      IntField("partners", "max_connections_per_partner", &Config::max_connections_per_partner, 1,
               1024),
      IntField("partners", "max_calls_in_flight", &Config::max_calls_in_flight, 1, 4096),
      IntField("partners", "max_queued_calls", &Config::max_queued_calls, 1, 65536),
      IntField("partners", "max_message_kib", &Config::max_message_kib, 16, 1 << 20),
      IntField("partners", "ask_timeout_seconds", &Config::ask_timeout_seconds, 1, 3600),
      StringField("log", "level", &Config::log_level,
                  [](const std::string& v) {
                    LogLevel level;
                    return ParseLogLevel(v, &level)
                               ? absl::OkStatus()
                               : absl::InvalidArgumentError(
                                     "must be one of debug, info, warning, error");
                  }),
  };
  return *fields;
}

std::string Where(absl::string_view path, const toml::source_region& region) {
  return absl::StrCat(path, ":", region.begin.line, ":", region.begin.column);
}

}  // namespace

absl::StatusOr<Config> ParseConfig(absl::string_view text, absl::string_view path) {
  toml::table root;
  try {
    root = toml::parse(std::string_view(text.data(), text.size()),
                       std::string_view(path.data(), path.size()));
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(path, e.source()), ": not valid TOML: ", std::string(e.description())));
  }
  Config config;
  for (auto&& [section_key, section_node] : root) {
    std::string section(section_key.str());
    const toml::table* table = section_node.as_table();
    if (table == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(Where(path, section_node.source()), ": '",
                                                     section, "' must be a [section]"));
    }
    for (auto&& [key_key, node] : *table) {
      std::string key(key_key.str());
      const Field* field = nullptr;
      for (const Field& f : Fields()) {
        if (section == f.section && key == f.key) field = &f;
      }
      if (field == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(path, key_key.source()), ": unknown setting '", section, ".", key, "'"));
      }
      absl::Status s = field->read(node, &config);
      if (!s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(path, node.source()), ": ", section, ".", key, ": ", s.message()));
      }
    }
  }
  if (config.name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": participant.name is required (the name partners see)"));
  }
  return config;
}

absl::StatusOr<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int e = errno;
    std::string message = absl::StrCat("cannot read config file ", path, ": ", strerror(e));
    if (e == EACCES || e == EPERM) return absl::PermissionDeniedError(message);
    if (e == ENOENT || e == ENOTDIR) return absl::NotFoundError(message);
    return absl::UnavailableError(message);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseConfig(buffer.str(), path);
}

std::string DefaultConfigText(absl::string_view name, absl::string_view listen) {
  auto quote = [](absl::string_view v) {
    return absl::StrReplaceAll(v, {{"\\", "\\\\"}, {"\"", "\\\""}});
  };
  std::string quoted = quote(name);
  std::string text = absl::StrCat(R"(# cairnd configuration, written by `cairnctl init`.
# Every setting below shows its default; uncomment and edit to change it, then restart cairnd.
# An unknown or misspelt setting stops cairnd with an error naming its line.

[participant]
# The name partners see for this company. Identity is the key, not this name.
name = ")",
                                  quoted, R"("

[admin]
# Unix socket for cairnctl, relative to the data dir. Created with mode 0600; a connection
# from any other uid than cairnd's is refused.
# socket = "cairnd.sock"

[storage]
# RocksDB read cache and memtable size, in MiB. Together they bound most of cairnd's memory.
# block_cache_mb = 64
# write_buffer_mb = 32
# fsync each import batch before acknowledging it. Turning this off trades durability for speed.
# sync = true

[query]
# Threads that run queries next to the single import writer.
# threads = 2

[partners]
# Where partners' daemons connect (mutual TLS; only registered partners get through).
# Loopback by default: set e.g. "0.0.0.0:7443" and open that TCP port to your partners.
# "" turns the partner listener off.
# listen = "127.0.0.1:7443"
# A signed request older (or further in the future) than this is refused as stale.
# max_request_age_seconds = 300
# How long this daemon waits for a partner it asks (cairnctl query --peer).
# ask_timeout_seconds = 30
#
# Limits that keep the daemon serving while someone floods the port or a partner misbehaves
# (docs/operator.md says what each protects against).
# Anyone who can reach the port can start TLS handshakes and never finish them. A handshake
# not finished in time is dropped; when too many are pending, the oldest one from the source
# address holding the most is dropped, so a flood cannot keep real partners out.
# handshake_timeout_seconds = 10
# max_pending_handshakes = 256
# max_pending_handshakes_per_address = 16
# Live connections, all partners together and per partner; one past a limit is refused.
# max_connections = 256
# max_connections_per_partner = 4
# Calls in progress per connection (queries and federated round steps together), and of all
# partners together in the worker queues; a call past either is refused (RESOURCE_EXHAUSTED)
# and the partner stays connected. cairnctl keeps room of its own in the queues.
# max_calls_in_flight = 16
# max_queued_calls = 256
# The largest message a partner may send; a larger one disconnects it.
# max_message_kib = 1024

[log]
# debug, info, warning or error.
# level = "info"
)");
  if (!listen.empty()) {
    text = absl::StrReplaceAll(text, {{"# listen = \"127.0.0.1:7443\"",
                                       absl::StrCat("listen = \"", quote(listen), "\"")}});
  }
  return text;
}

}  // namespace cairn
