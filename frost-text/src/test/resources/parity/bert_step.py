"""One training step of Frost's MiniLM classifier, in PyTorch, for MiniLmGradientParityTest.

usage: python3 bert_step.py DIR FROZEN_LAYERS LR BETA1 BETA2 EPS WEIGHT_DECAY

DIR/weights.safetensors  every tensor of the Frost model before the step, Hugging Face BertModel names plus
                         classifier.weight / classifier.bias (as `frost export` writes them)
DIR/batch.safetensors    input_ids, attention_mask, token_type_ids (B x S) and labels (B), all F32, exactly what
                         Frost's step read
FROZEN_LAYERS            -1: nothing frozen; k >= 0: the embeddings and encoder layers 0..k-1 frozen

writes DIR/torch.safetensors: "loss" (1), "grad/NAME" for every trainable tensor, "after/NAME" its value after one
torch.optim.AdamW step, and "grad64/NAME", the same gradient computed in float64 (how far float32 rounding alone
takes PyTorch from the exact gradient, so that the test can tell rounding from a mistake). The encoder is
minilm_torch.py's (Frost's main resource frost/text/minilm_torch.py, copied beside this script by the test).
"""
import sys

import torch
import torch.nn.functional as F

from minilm_torch import forward, is_frozen, layer_count, load, save


def main():
    d, frozen = sys.argv[1], int(sys.argv[2])
    lr, beta1, beta2, eps, wd = (float(x) for x in sys.argv[3:8])
    torch.manual_seed(0)
    p = load(d + "/weights.safetensors")
    batch = load(d + "/batch.safetensors")
    layers = layer_count(p)
    trainable = {}
    for name, t in p.items():
        t.requires_grad_(not is_frozen(name, frozen))
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
