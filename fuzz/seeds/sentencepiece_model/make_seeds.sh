#!/bin/sh
# Regenerates the seeds: tiny SentencePiece models trained by spm_train (Debian package
# sentencepiece) on a few made-up lines (identity normalization: the nmt_nfkc charsmap
# alone is 240 KB), each prefixed by the fuzz input's text-length byte and a text.
# Run from this directory.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/train.txt" <<'TEXT'
The coffee maker broke after two weeks, très décevant.
Great headphones: clear sound, comfy fit, 10/10 would buy again!
Ok for the price. Battery lasts about 3 hours.
The book arrived late but the story was wonderful.
TEXT
for type in unigram bpe; do
  spm_train --input="$tmp/train.txt" --model_prefix="$tmp/$type" --model_type=$type \
    --vocab_size=330 --hard_vocab_limit=false --byte_fallback=true --user_defined_symbols='<sep>' \
    --control_symbols='<ctl>' --normalization_rule_name=identity --minloglevel=2 >/dev/null 2>&1
  text='Hi <sep> wörld!'
  { printf "\\$(printf %03o ${#text})"; printf '%s' "$text"; cat "$tmp/$type.model"; } > "$type.bin"
done
