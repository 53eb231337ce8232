# Cairn: two commands set up everything on a fresh Debian 12 machine (as root):
#   make demo   installs what is missing, builds, and runs the demo on a throwaway data dir
#   make test   installs what is missing, builds, and runs the whole test suite
SHELL := /bin/bash
BAZEL ?= bazel
# --config=ci adds -Werror. Override BAZEL_FLAGS to drop it locally.
BAZEL_FLAGS ?= --config=ci

DEBIAN_PACKAGES := g++ make bazel-bootstrap bazel-platforms capnproto libcapnp-dev \
	librocksdb-dev libsodium-dev libssl-dev openssl libabsl-dev libtomlplusplus-dev \
	libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev \
	libsqlite3-dev sqlite3 clang-14 libfuzzer-14-dev libclang-rt-14-dev procps jq

.PHONY: all deps build test demo bench bench-cli fuzz clean

all: build

# Installs the Debian packages that are not installed yet (needs root, or sudo).
deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(BAZEL) build $(BAZEL_FLAGS) //...

test: deps
	$(BAZEL) test $(BAZEL_FLAGS) //...
	tests/fuzz/run.sh 15

demo: deps
	$(BAZEL) build $(BAZEL_FLAGS) //daemon:cairnd //tools/cairnctl:cairnctl //tools/datagen:cairn-datagen
	tools/demo/demo.sh

bench: deps
	tools/bench/run.sh

# cairnctl's end-to-end time against clickhouse-client (docs/BENCHMARKS.md); installs the peer.
bench-cli: deps
	@dpkg-query -W -f='$${Status}' clickhouse-server 2>/dev/null | grep -q "ok installed" && \
	  dpkg-query -W -f='$${Status}' hyperfine 2>/dev/null | grep -q "ok installed" || { \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    --no-install-recommends hyperfine clickhouse-server clickhouse-client; }
	tools/bench/cli_bench.sh

fuzz: deps
	tests/fuzz/run.sh 150

clean:
	$(BAZEL) clean
