#!/usr/bin/env bash
# Installs every Debian 12 package reasonrec needs. Idempotent and non-interactive.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev clang-format
  # libraries
  libsimdjson-dev nlohmann-json3-dev libzstd-dev zlib1g-dev libcurl4-openssl-dev libssl-dev
  libsqlite3-dev libcli11-dev libtomlplusplus-dev libspdlog-dev libfmt-dev libcpp-httplib-dev
  libstemmer-dev libpcre2-dev wordnet-base libboost-dev
  # engine: libtorch needs OpenBLAS (netlib BLAS is 40x slower)
  libtorch-dev libopenblas-dev libsentencepiece-dev libicu-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev zstd gzip pigz bc time
  python3 python3-pandas python3-nltk python3-sklearn python3-scipy python3-torch python3-numpy
  python3-jinja2
  # the annotation app's browser tests (tests/annotate): headless chromium over WebDriver
  chromium chromium-driver
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "setup: done"
fi

# The reference tokenizers of tests/tokenizer run on Node.js. Debian's nodejs and npm are installed
# only when the commands are missing, one at a time: a Node.js from elsewhere is kept, and one that
# ships its own npm (nodesource's conflicts with Debian's npm package) gets nothing more.
for cmd in node npm; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    package=$([ "$cmd" = node ] && echo nodejs || echo npm)
    echo "setup: $cmd not found, installing Debian's $package"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package"
  fi
done
# Then the reference tokenizers themselves; fails rather than leaving those tests unable to run.
"$(dirname "$0")/setup_node.sh"
