"""Frost's MiniLM classifier written out by hand in PyTorch (no transformers), and a step-timing peer.

Shared by the gradient-parity test (bert_step.py imports load, save and forward) and `frost bench minilm-step`:

    python3 minilm_torch.py peer DIR

reads DIR/weights.safetensors (Hugging Face BertModel names plus classifier.weight / .bias) and DIR/batch.safetensors
(input_ids, attention_mask, token_type_ids as B x S, labels as B, all F32), then answers one command a line on stdin:
`MODE STEPS` runs STEPS steps and prints {"mode", "ms": [per step]}; `rss` prints {"rss", "hwm"} in bytes; `reset`
resets the peak (VmHWM); `quit` ends. MODE is `full`, `frozen:K` (embeddings and layers 0..K-1 frozen), `head`
(the whole encoder frozen, run without autograd) or `forward` (no autograd at all). Each training mode has its own
torch.optim.AdamW (lr 1e-4, weight decay 0.01) over its trainable tensors; frozen tensors have requires_grad off.

The encoder: embeddings (word + position + token type, LayerNorm), post-LayerNorm layers with erf GELU, mean pooling
over the mask, a linear classifier; no dropout. Debian has no safetensors package: the format is read and written by
hand (8-byte little-endian header length, JSON header, raw little-endian float32).
"""
import json
import math
import struct
import sys
import time

import torch
import torch.nn.functional as F

HEADS, EPS_LN = 12, 1e-12


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    body = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name + ": " + info["dtype"]
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(body[a:b]), dtype=torch.float32)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def save(tensors, path):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def embed(p, ids, types):
    s = ids.shape[1]
    h = (F.embedding(ids, p["embeddings.word_embeddings.weight"])
         + p["embeddings.position_embeddings.weight"][:s]
         + F.embedding(types, p["embeddings.token_type_embeddings.weight"]))
    return F.layer_norm(h, h.shape[-1:], p["embeddings.LayerNorm.weight"], p["embeddings.LayerNorm.bias"], EPS_LN)


def layer(p, i, h, mask):
    b, s, dim = h.shape
    dh = dim // HEADS
    bias = ((1.0 - mask) * -1e9).reshape(b, 1, 1, s)
    q_ = "encoder.layer.%d." % i

    def lin(x, name):
        return F.linear(x, p[q_ + name + ".weight"], p[q_ + name + ".bias"])

    def heads(x):
        return x.reshape(b, s, HEADS, dh).transpose(1, 2)

    q, k, v = heads(lin(h, "attention.self.query")), heads(lin(h, "attention.self.key")), \
        heads(lin(h, "attention.self.value"))
    scores = q @ k.transpose(-1, -2) / math.sqrt(dh) + bias
    ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, dim)
    a = F.layer_norm(lin(ctx, "attention.output.dense") + h, (dim,), p[q_ + "attention.output.LayerNorm.weight"],
                     p[q_ + "attention.output.LayerNorm.bias"], EPS_LN)
    f = F.gelu(lin(a, "intermediate.dense"))  # erf GELU, as BERT's "gelu"
    return F.layer_norm(lin(f, "output.dense") + a, (dim,), p[q_ + "output.LayerNorm.weight"],
                        p[q_ + "output.LayerNorm.bias"], EPS_LN)


def head(p, h, mask):
    m = mask.unsqueeze(-1)
    pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return F.linear(pooled, p["classifier.weight"], p["classifier.bias"])


def forward(p, ids, mask, types, layers, frozen=0):
    """Logits; the embeddings and the first `frozen` layers run without autograd when frozen > 0."""
    with torch.set_grad_enabled(frozen <= 0 and torch.is_grad_enabled()):
        h = embed(p, ids, types)
        for i in range(max(frozen, 0)):
            h = layer(p, i, h, mask)
    for i in range(max(frozen, 0), layers):
        h = layer(p, i, h, mask)
    return head(p, h, mask)


def layer_count(p):
    return 1 + max(int(n.split(".")[2]) for n in p if n.startswith("encoder.layer."))


def is_frozen(name, frozen):
    """frozen < 0: nothing; k >= 0: the embeddings and encoder layers 0..k-1."""
    if frozen < 0:
        return False
    if name.startswith("embeddings."):
        return True
    return name.startswith("encoder.layer.") and int(name.split(".")[2]) < frozen


def memory():
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out["rss" if line.startswith("VmRSS") else "hwm"] = int(line.split()[1]) * 1024
    return out


def peer(d):
    torch.manual_seed(0)
    p = load(d + "/weights.safetensors")
    batch = load(d + "/batch.safetensors")
    layers = layer_count(p)
    ids, types = batch["input_ids"].long(), batch["token_type_ids"].long()
    mask, labels = batch["attention_mask"], batch["labels"].long()
    optimizers = {}
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "quit":
            break
        if cmd[0] == "rss":
            print(json.dumps(memory()), flush=True)
            continue
        if cmd[0] == "reset":
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            print("{}", flush=True)
            continue
        mode, steps = cmd[0], int(cmd[1])
        frozen = {"full": -1, "head": layers, "forward": layers}.get(mode)
        if frozen is None:
            frozen = int(mode.split(":")[1])
        for name, t in p.items():
            t.requires_grad_(mode != "forward" and not is_frozen(name, frozen))
        if mode != "forward" and mode not in optimizers:
            optimizers[mode] = torch.optim.AdamW([t for t in p.values() if t.requires_grad], lr=1e-4,
                                                 weight_decay=0.01)
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            if mode == "forward":
                with torch.no_grad():
                    forward(p, ids, mask, types, layers)
            else:
                opt = optimizers[mode]
                opt.zero_grad(set_to_none=True)
                F.cross_entropy(forward(p, ids, mask, types, layers, frozen), labels).backward()
                opt.step()
            times.append(1000 * (time.perf_counter() - t0))
        print(json.dumps({"mode": mode, "ms": times}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "peer":
        peer(sys.argv[2])
    else:
        sys.exit("usage: python3 minilm_torch.py peer DIR")
