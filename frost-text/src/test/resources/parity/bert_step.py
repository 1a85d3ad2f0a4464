"""One training step of Frost's MiniLM classifier, in PyTorch, for MiniLmGradientParityTest.

usage: python3 bert_step.py DIR FROZEN_LAYERS LR BETA1 BETA2 EPS WEIGHT_DECAY

DIR/weights.safetensors  every tensor of the Frost model before the step, Hugging Face BertModel names plus
                         classifier.weight / classifier.bias (as `frost export` writes them)
DIR/batch.safetensors    input_ids, attention_mask, token_type_ids (B x S) and labels (B), all F32, exactly what
                         Frost's step read
FROZEN_LAYERS            -1: nothing frozen; k >= 0: the embeddings and encoder layers 0..k-1 frozen

writes DIR/torch.safetensors: "loss" (1), "grad/NAME" for every trainable tensor, "after/NAME" its value after one
torch.optim.AdamW step, and "grad64/NAME", the same gradient computed in float64 (how far float32 rounding alone
takes PyTorch from the exact gradient, so that the test can tell rounding from a mistake). The BERT encoder is written out by hand (no transformers): embeddings (word + position +
token type, LayerNorm), post-LayerNorm layers with erf GELU, mean pooling over the mask, a linear classifier; no
dropout, as Frost's model has none. Debian has no safetensors package: the format is read and written by hand
(8-byte little-endian header length, JSON header, raw little-endian float32).
"""
import json
import math
import struct
import sys

import torch
import torch.nn.functional as F


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


HEADS, EPS_LN = 12, 1e-12


def forward(p, ids, mask, types, layers):
    s = ids.shape[1]
    h = (F.embedding(ids, p["embeddings.word_embeddings.weight"])
         + p["embeddings.position_embeddings.weight"][:s]
         + F.embedding(types, p["embeddings.token_type_embeddings.weight"]))
    h = F.layer_norm(h, h.shape[-1:], p["embeddings.LayerNorm.weight"], p["embeddings.LayerNorm.bias"], EPS_LN)
    b, _, dim = h.shape
    dh = dim // HEADS
    bias = ((1.0 - mask) * -1e9).reshape(b, 1, 1, s)
    for i in range(layers):
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
        h = F.layer_norm(lin(f, "output.dense") + a, (dim,), p[q_ + "output.LayerNorm.weight"],
                         p[q_ + "output.LayerNorm.bias"], EPS_LN)
    m = mask.unsqueeze(-1)
    pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return F.linear(pooled, p["classifier.weight"], p["classifier.bias"])


def main():
    d, frozen = sys.argv[1], int(sys.argv[2])
    lr, beta1, beta2, eps, wd = (float(x) for x in sys.argv[3:8])
    torch.manual_seed(0)
    p = load(d + "/weights.safetensors")
    batch = load(d + "/batch.safetensors")
    layers = 1 + max(int(n.split(".")[2]) for n in p if n.startswith("encoder.layer."))

    def is_frozen(name):
        if frozen < 0:
            return False
        if name.startswith("embeddings."):
            return True
        return name.startswith("encoder.layer.") and int(name.split(".")[2]) < frozen

    trainable = {}
    for name, t in p.items():
        t.requires_grad_(not is_frozen(name))
        if t.requires_grad:
            trainable[name] = t
    ids = batch["input_ids"].long()
    types = batch["token_type_ids"].long()
    mask = batch["attention_mask"]
    labels = batch["labels"].long()
    logits = forward(p, ids, mask, types, layers)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    out = {"loss": loss.detach().reshape(1)}
    for name, t in trainable.items():
        out["grad/" + name] = t.grad.clone()
    p64 = {name: t.detach().double().requires_grad_(t.requires_grad) for name, t in p.items()}
    F.cross_entropy(forward(p64, ids, mask.double(), types, layers), labels).backward()
    for name in trainable:
        out["grad64/" + name] = p64[name].grad
    opt = torch.optim.AdamW(list(trainable.values()), lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=wd)
    opt.step()
    for name, t in trainable.items():
        out["after/" + name] = t.detach().clone()
    save(out, d + "/torch.safetensors")
    print("torch %s: loss %.6f, %d trainable tensors" % (torch.__version__, loss.item(), len(trainable)))


if __name__ == "__main__":
    main()
