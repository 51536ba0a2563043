#!/usr/bin/python3
"""Writes the inputs of bench/train: two random models as Hugging Face directories, the
training pairs (sft.jsonl) and the token ids the Python side trains on (tokens.json).

  /usr/bin/python3 bench/train/make_models.py OUT_DIR [--reviews FILE.json.gz]

OUT_DIR/t5/      T5 v1.1-shaped (T5-small: d_model 512, d_ff 2048, 6+6 layers, 8 heads, d_kv 64,
                 gated-gelu, untied lm_head), config.json + model.safetensors + tokenizer.json
OUT_DIR/llama/   a tiny Llama (hidden 256, 4 layers, 8 heads, 4 kv heads, intermediate 688)
OUT_DIR/sft.jsonl     64 pairs of real review text: prompt 48 words, target 24 words
OUT_DIR/tokens.json   per model family, each example's encoder/decoder token ids

numpy only. The safetensors files are written by hand (JSON header + raw little-endian F32).
Tokenizer: a SentencePiece-style Unigram tokenizer.json (Metaspace pre-tokenizer) whose pieces
are whole words "▁word", so every space-separated word of the (ASCII, single-spaced) text is one
token; the same vocabulary serves both models (T5: <pad> </s> <unk> first and </s> appended;
Llama: <unk> <s> </s> first and <s> prepended). The vocabulary holds the examples' words, then
the corpus' most frequent words (then filler pieces) up to VOCAB_PIECES (T5: 32100, T5's own
size; the tiny Llama: 4000, so that its output layer does not outweigh its 4 layers), and the
model's vocab_size is that rounded up to a multiple of 128 (32128 as t5-small; 4096).
"""
import argparse
import gzip
import json
import os
import re
import struct
import sys
from collections import Counter

import numpy as np

N_EXAMPLES = 64
PROMPT_WORDS = 48
TARGET_WORDS = 24
VOCAB_PIECES = {"t5": 32100, "llama": 4000}
SPACE = "\u2581"
DEFAULT_REVIEWS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                               "shared", "data", "amazon2018_all_beauty_5core",
                               "All_Beauty_5.json.gz")


def clean_words(text):
    text = text.encode("ascii", "ignore").decode("ascii")
    return [w for w in re.split(r"\s+", text) if w and "<" not in w and ">" not in w]


def read_reviews(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            words = clean_words(r.get("reviewText", ""))
            if words:
                yield r, words


def build_pairs(path):
    """64 (prompt, target) pairs from the first reviews long enough: a prompt of the review's
    first PROMPT_WORDS words, a target "### Reason ### <the next words> ### Rating ### r" of
    TARGET_WORDS words, so that every example has the same token lengths."""
    counts = Counter()
    pairs = []
    seen = set()
    for r, words in read_reviews(path):
        counts.update(words)
        need = PROMPT_WORDS + TARGET_WORDS - 7
        if len(pairs) < N_EXAMPLES and len(words) >= need and " ".join(words) not in seen:
            seen.add(" ".join(words))
            prompt = words[:PROMPT_WORDS]
            reason = words[PROMPT_WORDS:PROMPT_WORDS + TARGET_WORDS - 7]
            rating = str(int(r["overall"]))
            target = ["###", "Reason", "###"] + reason + ["###", "Rating", "###", rating]
            assert len(prompt) == PROMPT_WORDS and len(target) == TARGET_WORDS
            pairs.append((" ".join(prompt), " ".join(target)))
    if len(pairs) < N_EXAMPLES:
        sys.exit(f"{path}: only {len(pairs)} reviews of >= {need} words")
    for _, target in pairs:
        counts.update(target.split(" "))
    return pairs, counts


def tokenizer_json(specials, words, bos):
    vocab = [[s, 0.0] for s in specials]
    vocab += [[f"<0x{b:02X}>", 0.0] for b in range(256)]
    vocab.append([SPACE, -5.0])
    for i, w in enumerate(words):
        vocab.append([SPACE + w, -5.0 - 5.0 * i / len(words)])
    metaspace = {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": "always",
                 "split": True}
    if bos:
        single = [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                  {"Sequence": {"id": "A", "type_id": 0}}]
        special = {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}
    else:
        single = [{"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "</s>", "type_id": 0}}]
        special = {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}
    return {
        "version": "1.0",
        "added_tokens": [{"id": i, "content": s, "special": True, "single_word": False,
                          "lstrip": False, "rstrip": False, "normalized": False}
                         for i, s in enumerate(specials)],
        "normalizer": None,
        "pre_tokenizer": metaspace,
        "post_processor": {"type": "TemplateProcessing", "single": single, "pair": [],
                           "special_tokens": special},
        "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, metaspace]},
        "model": {"type": "Unigram", "unk_id": specials.index("<unk>"), "vocab": vocab,
                  "byte_fallback": True},
    }


def write_safetensors(path, tensors):
    """tensors: list of (name, float32 ndarray). Header JSON padded to 8 bytes, then the data."""
    header, offset = {}, 0
    for name, a in tensors:
        n = a.size * 4
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for _, a in tensors:
            f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
    os.replace(path + ".tmp", path)


def t5_tensors(c, rng):
    d, dff, inner, v = c["d_model"], c["d_ff"], c["num_heads"] * c["d_kv"], c["vocab_size"]
    nb, h = c["relative_attention_num_buckets"], c["num_heads"]

    def normal(shape, std):
        return (rng.standard_normal(shape, dtype=np.float32) * np.float32(std))

    # transformers' T5 initialisation (factor 1.0); lm_head at d_model^-0.5.
    out = [("shared.weight", normal((v, d), 1.0))]

    def attention(p):
        out.append((p + ".q.weight", normal((inner, d), (d * c["d_kv"]) ** -0.5)))
        out.append((p + ".k.weight", normal((inner, d), d ** -0.5)))
        out.append((p + ".v.weight", normal((inner, d), d ** -0.5)))
        out.append((p + ".o.weight", normal((d, inner), inner ** -0.5)))

    def ff(p):
        out.append((p + ".wi_0.weight", normal((dff, d), d ** -0.5)))
        out.append((p + ".wi_1.weight", normal((dff, d), d ** -0.5)))
        out.append((p + ".wo.weight", normal((d, dff), dff ** -0.5)))

    ones = lambda: np.ones(d, dtype=np.float32)
    for l in range(c["num_layers"]):
        p = f"encoder.block.{l}.layer."
        attention(p + "0.SelfAttention")
        if l == 0:
            out.append((p + "0.SelfAttention.relative_attention_bias.weight", normal((nb, h), d ** -0.5)))
        out.append((p + "0.layer_norm.weight", ones()))
        ff(p + "1.DenseReluDense")
        out.append((p + "1.layer_norm.weight", ones()))
    out.append(("encoder.final_layer_norm.weight", ones()))
    for l in range(c["num_decoder_layers"]):
        p = f"decoder.block.{l}.layer."
        attention(p + "0.SelfAttention")
        if l == 0:
            out.append((p + "0.SelfAttention.relative_attention_bias.weight", normal((nb, h), d ** -0.5)))
        out.append((p + "0.layer_norm.weight", ones()))
        attention(p + "1.EncDecAttention")
        out.append((p + "1.layer_norm.weight", ones()))
        ff(p + "2.DenseReluDense")
        out.append((p + "2.layer_norm.weight", ones()))
    out.append(("decoder.final_layer_norm.weight", ones()))
    out.append(("lm_head.weight", normal((v, d), d ** -0.5)))
    return out


def llama_tensors(c, rng):
    d, i, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    hd = d // c["num_attention_heads"]
    q, kv = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd
    std = c["initializer_range"]

    def normal(shape):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(std)

    ones = lambda: np.ones(d, dtype=np.float32)
    out = [("model.embed_tokens.weight", normal((v, d)))]
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        out += [(p + "input_layernorm.weight", ones()),
                (p + "self_attn.q_proj.weight", normal((q, d))),
                (p + "self_attn.k_proj.weight", normal((kv, d))),
                (p + "self_attn.v_proj.weight", normal((kv, d))),
                (p + "self_attn.o_proj.weight", normal((d, q))),
                (p + "post_attention_layernorm.weight", ones()),
                (p + "mlp.gate_proj.weight", normal((i, d))),
                (p + "mlp.up_proj.weight", normal((i, d))),
                (p + "mlp.down_proj.weight", normal((d, i)))]
    out.append(("model.norm.weight", ones()))
    out.append(("lm_head.weight", normal((v, d))))
    return out


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--reviews", default=DEFAULT_REVIEWS)
    ap.add_argument("--seed", type=int, default=1234)
    a = ap.parse_args()
    pairs, counts = build_pairs(a.reviews)
    used = set(w for p, t in pairs for w in (p + " " + t).split(" "))
    ranked = sorted(used) + sorted((w for w in counts if w not in used),
                                   key=lambda w: (-counts[w], w))
    vocab = {}
    for fam, n_pieces in VOCAB_PIECES.items():
        n_words = n_pieces - 3 - 256 - 1
        assert n_words >= len(used)
        words = ranked[:n_words]
        words += [f"filler{k}" for k in range(n_words - len(words))]
        assert len(set(words)) == len(words)
        vocab[fam] = {"words": words, "size": (n_pieces + 127) // 128 * 128,
                      "id": {w: 3 + 256 + 1 + k for k, w in enumerate(words)}}

    t5_dir, llama_dir = os.path.join(a.out, "t5"), os.path.join(a.out, "llama")
    os.makedirs(t5_dir, exist_ok=True)
    os.makedirs(llama_dir, exist_ok=True)

    t5 = {"architectures": ["T5ForConditionalGeneration"], "model_type": "t5",
          "vocab_size": vocab["t5"]["size"], "d_model": 512, "d_kv": 64, "d_ff": 2048, "num_layers": 6,
          "num_decoder_layers": 6, "num_heads": 8, "relative_attention_num_buckets": 32,
          "relative_attention_max_distance": 128, "dropout_rate": 0.1,
          "layer_norm_epsilon": 1e-6, "feed_forward_proj": "gated-gelu",
          "tie_word_embeddings": False, "pad_token_id": 0, "eos_token_id": 1,
          "decoder_start_token_id": 0}
    write_json(os.path.join(t5_dir, "config.json"), t5)
    write_json(os.path.join(t5_dir, "tokenizer.json"),
               tokenizer_json(["<pad>", "</s>", "<unk>"], vocab["t5"]["words"], bos=False))
    write_json(os.path.join(t5_dir, "tokenizer_config.json"),
               {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"})
    write_safetensors(os.path.join(t5_dir, "model.safetensors"),
                      t5_tensors(t5, np.random.default_rng(a.seed)))

    llama = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
             "vocab_size": vocab["llama"]["size"], "hidden_size": 256, "intermediate_size": 688,
             "num_hidden_layers": 4, "num_attention_heads": 8, "num_key_value_heads": 4,
             "max_position_embeddings": 512, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
             "initializer_range": 0.02, "tie_word_embeddings": False, "bos_token_id": 1,
             "eos_token_id": 2, "hidden_act": "silu"}
    write_json(os.path.join(llama_dir, "config.json"), llama)
    write_json(os.path.join(llama_dir, "tokenizer.json"),
               tokenizer_json(["<unk>", "<s>", "</s>"], vocab["llama"]["words"], bos=True))
    write_json(os.path.join(llama_dir, "tokenizer_config.json"),
               {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"})
    write_safetensors(os.path.join(llama_dir, "model.safetensors"),
                      llama_tensors(llama, np.random.default_rng(a.seed + 1)))

    with open(os.path.join(a.out, "sft.jsonl"), "w") as f:
        for k, (prompt, target) in enumerate(pairs):
            f.write(json.dumps({"id": f"b{k}", "sample": 0, "prompt": prompt, "target": target}) + "\n")
    ids = lambda fam, text: [vocab[fam]["id"][w] for w in text.split(" ")]
    # What src/train's students feed (docs/training.md): T5 input = prompt + </s>, labels =
    # target + </s>; Llama input = <s> + prompt, labels = target + </s> (loss on labels only).
    tokens = {"t5": [{"input": ids("t5", p) + [1], "labels": ids("t5", t) + [1]} for p, t in pairs],
              "llama": [{"input": [1] + ids("llama", p), "labels": ids("llama", t) + [2]}
                        for p, t in pairs]}
    write_json(os.path.join(a.out, "tokens.json"), tokens)
    for fam, rows in tokens.items():
        total = sum(len(r["input"]) + len(r["labels"]) for r in rows)
        print(f"{fam}: {len(rows)} examples, {total} tokens (input + labels)")
    print(f"vocabulary: {len(used)} words in the examples; pieces/vocab_size: "
          + ", ".join(f"{f} {n}/{vocab[f]['size']}" for f, n in VOCAB_PIECES.items()) + f"; wrote {a.out}")


if __name__ == "__main__":
    main()
