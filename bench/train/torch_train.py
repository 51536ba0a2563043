#!/usr/bin/python3
"""The Python PyTorch side of bench/train: the step `reasonrec train` takes, in plain PyTorch.

  /usr/bin/python3 bench/train/torch_train.py --family t5|llama --model DIR --tokens tokens.json
      --steps N --batch B --micro-batch M --lr X --threads T --dropout D [--loss-only]

The models are nn.Modules written here with the forward maths of src/engine/model/t5.cpp and
llama.cpp (T5: relative position buckets, RMSNorm, unscaled attention scores, gated-gelu;
Llama: RoPE, grouped-query attention, SwiGLU, dropout on attention probabilities only, as
Hugging Face's Llama and the engine's decoder student), loaded from the same safetensors.
One step is what src/train/trainer.cpp does: batch / micro-batch forward+backward passes, each
micro-batch's summed cross-entropy divided by the step's label tokens, global-norm clipping at
1.0, AdamW (0.9, 0.999, 1e-8, no weight decay). Examples are the ids make_models.py wrote
(every example has the same lengths, so every micro-batch has the shape ours has); they are
taken in file order, epoch after epoch.

--loss-only prints the mean loss over the examples (--limit N: the first N) with dropout 0 and
no step: what `reasonrec train --steps 1 --batch N --dropout 0` logs as its first loss on a file
of those N examples.

Prints one JSON line: tokens, tokens_per_second over the steps after the first (the first is
the warm-up), every step's seconds, peak RSS (getrusage).
"""
import argparse
import json
import math
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data, dtype="<f4", count=(b - a) // 4,
                                                   offset=a).copy()).view(info["shape"])
    return out


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


# ----------------------------------------------------------------------------------------- T5

def t5_bucket(rp, bidirectional, num_buckets, max_distance):
    buckets = torch.zeros_like(rp)
    if bidirectional:
        num_buckets //= 2
        buckets = buckets + (rp > 0).long() * num_buckets
        rp = rp.abs()
    else:
        rp = -torch.clamp(rp, max=0)
    max_exact = num_buckets // 2
    is_small = rp < max_exact
    large = (torch.log(torch.clamp(rp, min=1).float() / max_exact)
             / math.log(max_distance / max_exact) * (num_buckets - max_exact)).long() + max_exact
    large = torch.clamp(large, max=num_buckets - 1)
    return buckets + torch.where(is_small, rp, large)


class T5(nn.Module):
    def __init__(self, config, weights, dropout):
        super().__init__()
        self.c = config
        self.p = dropout
        self.w = nn.ParameterDict({k.replace(".", "__"): nn.Parameter(v) for k, v in weights.items()})

    def W(self, name):
        return self.w[name.replace(".", "__")]

    def drop(self, x):
        return F.dropout(x, self.p, self.training)

    def heads(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.c["num_heads"], self.c["d_kv"]).transpose(1, 2)

    def attend(self, q, k, v, bias):
        scores = torch.matmul(q, k.transpose(-1, -2)) + bias  # no 1/sqrt(d): T5
        probs = self.drop(torch.softmax(scores, -1))
        ctx = torch.matmul(probs, v)
        return ctx.transpose(1, 2).reshape(q.size(0), q.size(2), -1)

    def ff(self, p, x):
        g = F.linear(x, self.W(p + ".wi_0.weight"))
        # gelu_new written out, as the engine and transformers' NewGELUActivation compute it
        g = 0.5 * g * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (g + 0.044715 * torch.pow(g, 3.0))))
        h = self.drop(g * F.linear(x, self.W(p + ".wi_1.weight")))
        return F.linear(h, self.W(p + ".wo.weight"))

    def position_bias(self, q_len, k_len, bidirectional, table):
        ctx = torch.arange(q_len).unsqueeze(1)
        mem = torch.arange(k_len).unsqueeze(0)
        b = t5_bucket(mem - ctx, bidirectional, self.c["relative_attention_num_buckets"],
                      self.c["relative_attention_max_distance"])
        return F.embedding(b, table).permute(2, 0, 1).unsqueeze(0)

    def forward(self, ids, mask, dec_ids):
        c, eps, lin = self.c, self.c["layer_norm_epsilon"], F.linear
        lowest = torch.finfo(torch.float32).min
        enc_mask = ((1.0 - mask.float()) * lowest).view(mask.size(0), 1, 1, mask.size(1))
        x = self.drop(F.embedding(ids, self.W("shared.weight")))
        T = ids.size(1)
        bias = self.position_bias(
            T, T, True, self.W("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight")) + enc_mask
        for l in range(c["num_layers"]):
            p = f"encoder.block.{l}.layer."
            a = p + "0.SelfAttention"
            n = rms_norm(x, self.W(p + "0.layer_norm.weight"), eps)
            h = self.attend(self.heads(lin(n, self.W(a + ".q.weight"))),
                            self.heads(lin(n, self.W(a + ".k.weight"))),
                            self.heads(lin(n, self.W(a + ".v.weight"))), bias)
            x = x + self.drop(lin(h, self.W(a + ".o.weight")))
            x = x + self.drop(self.ff(p + "1.DenseReluDense", rms_norm(x, self.W(p + "1.layer_norm.weight"), eps)))
        enc = self.drop(rms_norm(x, self.W("encoder.final_layer_norm.weight"), eps))

        S = dec_ids.size(1)
        causal = torch.where(torch.arange(S).unsqueeze(0) > torch.arange(S).unsqueeze(1),
                             torch.full((), lowest), torch.zeros(()))
        self_bias = self.position_bias(
            S, S, False, self.W("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight")) + causal.view(1, 1, S, S)
        x = self.drop(F.embedding(dec_ids, self.W("shared.weight")))
        for l in range(c["num_decoder_layers"]):
            p = f"decoder.block.{l}.layer."
            a, ca = p + "0.SelfAttention", p + "1.EncDecAttention"
            n = rms_norm(x, self.W(p + "0.layer_norm.weight"), eps)
            h = self.attend(self.heads(lin(n, self.W(a + ".q.weight"))),
                            self.heads(lin(n, self.W(a + ".k.weight"))),
                            self.heads(lin(n, self.W(a + ".v.weight"))), self_bias)
            x = x + self.drop(lin(h, self.W(a + ".o.weight")))
            n = rms_norm(x, self.W(p + "1.layer_norm.weight"), eps)
            h = self.attend(self.heads(lin(n, self.W(ca + ".q.weight"))),
                            self.heads(lin(enc, self.W(ca + ".k.weight"))),
                            self.heads(lin(enc, self.W(ca + ".v.weight"))), enc_mask)
            x = x + self.drop(lin(h, self.W(ca + ".o.weight")))
            x = x + self.drop(self.ff(p + "2.DenseReluDense", rms_norm(x, self.W(p + "2.layer_norm.weight"), eps)))
        x = self.drop(rms_norm(x, self.W("decoder.final_layer_norm.weight"), eps))
        if c.get("tie_word_embeddings", True):
            return lin(x * c["d_model"] ** -0.5, self.W("shared.weight"))
        return lin(x, self.W("lm_head.weight"))


def t5_loss_sum(model, rows, config):
    start, pad = config["decoder_start_token_id"], config["pad_token_id"]
    ids = torch.tensor([r["input"] for r in rows])  # every row has the same length
    labels = torch.tensor([r["labels"] for r in rows])
    dec = torch.cat([torch.full((len(rows), 1), start), labels[:, :-1]], 1)
    logits = model(ids, torch.ones_like(ids), dec)
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1),
                           ignore_index=-100, reduction="sum")


# -------------------------------------------------------------------------------------- Llama

class Llama(nn.Module):
    def __init__(self, config, weights, dropout):
        super().__init__()
        self.c = config
        self.p = dropout
        self.w = nn.ParameterDict({k.replace(".", "__"): nn.Parameter(v) for k, v in weights.items()})
        hd = config["hidden_size"] // config["num_attention_heads"]
        self.hd = hd
        j = torch.arange(hd // 2, dtype=torch.float32)
        self.inv_freq = 1.0 / (config.get("rope_theta", 10000.0) ** (2 * j / hd))

    def W(self, name):
        return self.w[name.replace(".", "__")]

    def drop(self, x):
        return F.dropout(x, self.p, self.training) if self.p > 0 else x

    @staticmethod
    def rotate_half(x):
        h = x.size(-1) // 2
        return torch.cat([-x[..., h:], x[..., :h]], -1)

    def forward(self, tokens):
        c, eps, lin = self.c, self.c["rms_norm_eps"], F.linear
        B, T = tokens.shape
        H, G, hd = c["num_attention_heads"], c["num_key_value_heads"], self.hd
        rep = H // G
        angle = torch.arange(T, dtype=torch.float32).unsqueeze(1) * self.inv_freq.unsqueeze(0)
        cos = torch.cat([angle.cos(), angle.cos()], -1).view(1, 1, T, hd)
        sin = torch.cat([angle.sin(), angle.sin()], -1).view(1, 1, T, hd)
        causal = torch.zeros(T, T).masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        x = F.embedding(tokens, self.W("model.embed_tokens.weight"))
        for l in range(c["num_hidden_layers"]):
            p = f"model.layers.{l}."
            h = rms_norm(x, self.W(p + "input_layernorm.weight"), eps)
            q = lin(h, self.W(p + "self_attn.q_proj.weight")).view(B, T, H, hd).transpose(1, 2)
            k = lin(h, self.W(p + "self_attn.k_proj.weight")).view(B, T, G, hd).transpose(1, 2)
            v = lin(h, self.W(p + "self_attn.v_proj.weight")).view(B, T, G, hd).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            k = k.repeat_interleave(rep, 1)  # query head i reads kv head i // rep
            v = v.repeat_interleave(rep, 1)
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + causal
            probs = self.drop(torch.softmax(scores, -1))
            a = torch.matmul(probs, v).transpose(1, 2).reshape(B, T, H * hd)
            x = x + lin(a, self.W(p + "self_attn.o_proj.weight"))
            h = rms_norm(x, self.W(p + "post_attention_layernorm.weight"), eps)
            h = lin(F.silu(lin(h, self.W(p + "mlp.gate_proj.weight"))) * lin(h, self.W(p + "mlp.up_proj.weight")),
                    self.W(p + "mlp.down_proj.weight"))
            x = x + h
        x = rms_norm(x, self.W("model.norm.weight"), eps)
        head = self.W("model.embed_tokens.weight") if c.get("tie_word_embeddings") else self.W("lm_head.weight")
        return x, head


def llama_loss_sum(model, rows, config):
    seq = torch.tensor([r["input"] + r["labels"] for r in rows])
    labels = torch.tensor([[-100] * len(r["input"]) + r["labels"] for r in rows])
    hidden, head = model(seq)
    logits = F.linear(hidden[:, :-1], head)  # the last position predicts nothing
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1),
                           ignore_index=-100, reduction="sum")


# --------------------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--family", choices=["t5", "llama"], required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--micro-batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--loss-only", action="store_true")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N examples")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    with open(a.model + "/config.json") as f:
        config = json.load(f)
    with open(a.tokens) as f:
        examples = json.load(f)[a.family]
    if a.limit > 0:
        examples = examples[:a.limit]
    weights = load_safetensors(a.model + "/model.safetensors")
    Model, loss_sum = (T5, t5_loss_sum) if a.family == "t5" else (Llama, llama_loss_sum)

    if a.loss_only:
        model = Model(config, weights, 0.0)
        model.eval()
        with torch.no_grad():
            total = sum(loss_sum(model, examples[i:i + a.micro_batch], config).double().item()
                        for i in range(0, len(examples), a.micro_batch))
        labels = sum(len(r["labels"]) for r in examples)
        tokens = sum(len(r["input"]) + len(r["labels"]) for r in examples)
        print(json.dumps({"family": a.family, "examples": len(examples), "tokens": tokens,
                          "label_tokens": labels, "loss": total / labels}))
        return

    model = Model(config, weights, a.dropout)
    model.train()
    params = list(model.parameters())
    decayed = [p for p in params if p.dim() >= 2]
    plain = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decayed, "weight_decay": 0.0},
                             {"params": plain, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    n = len(examples)
    pos = 0
    step_seconds, step_tokens, losses = [], [], []
    for step in range(a.steps):
        t0 = time.perf_counter()
        micro = []
        for _ in range(a.batch // a.micro_batch):
            micro.append([examples[(pos + i) % n] for i in range(a.micro_batch)])
            pos += a.micro_batch
        label_tokens = sum(len(r["labels"]) for m in micro for r in m)
        tokens = sum(len(r["input"]) + len(r["labels"]) for m in micro for r in m)
        opt.zero_grad()
        loss = 0.0
        for rows in micro:
            part = loss_sum(model, rows, config) / label_tokens
            part.backward()
            loss += part.item()
        if not math.isfinite(loss):
            sys.exit(f"step {step + 1}: loss {loss}")
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step_seconds.append(time.perf_counter() - t0)
        step_tokens.append(tokens)
        losses.append(loss)
        print(f"step {step + 1}/{a.steps}  loss {loss:.4f}  {tokens / step_seconds[-1]:.0f} tok/s",
              file=sys.stderr, flush=True)
    timed = slice(1, None) if a.steps > 1 else slice(0, None)
    rate = sum(step_tokens[timed]) / sum(step_seconds[timed])
    print(json.dumps({"family": a.family, "threads": a.threads, "steps": a.steps,
                      "tokens": sum(step_tokens), "timed_tokens": sum(step_tokens[timed]),
                      "timed_seconds": sum(step_seconds[timed]), "tokens_per_second": rate,
                      "step_seconds": step_seconds, "losses": losses,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
