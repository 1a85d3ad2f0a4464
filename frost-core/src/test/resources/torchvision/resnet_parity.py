"""Writes a torchvision ResNet with random weights, an input and torchvision's output, for Frost's parity test.

usage: python3 resnet_parity.py ARCH OUT_DIR [SEED]     (ARCH: resnet18, resnet34 or resnet50)

OUT_DIR/weights.safetensors  the model's state_dict (num_batches_tracked as I64, as safetensors.torch writes it)
OUT_DIR/io.safetensors       "input" (2x3x64x64) and "output" (2x1000), torchvision's forward in eval mode

Nothing is downloaded (weights=None). BatchNorm's affine parameters and running statistics are randomized so that
a mix-up of mean/var or weight/bias shows. Debian has no safetensors package: the format is written by hand
(8-byte little-endian header length, JSON header, raw little-endian data).
"""
import json
import struct
import sys

import torch
import torchvision

DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def save(tensors, path):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def main():
    arch, out = sys.argv[1], sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    torch.manual_seed(seed)
    model = getattr(torchvision.models, arch)(weights=None)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
    model.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        y = model(x)
    save(model.state_dict(), out + "/weights.safetensors")
    save({"input": x, "output": y}, out + "/io.safetensors")


if __name__ == "__main__":
    main()
