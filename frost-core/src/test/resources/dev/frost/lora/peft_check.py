"""Reads a PEFT LoRA adapter with plain Python (no torch, no safetensors package) and recomputes one adapted Linear.

usage: peft_check.py ADAPTER_DIR NUMBERS_JSON
NUMBERS_JSON: {"module": hf name, "x": [[...]], "weight": [[...]], "bias": [...], "y": [[...]] (Frost's output)}.
Prints "OK max_abs_err=..." and exits 0 when names, shapes, config keys and the output (within 1e-5) agree.
"""
import json
import os
import re
import struct
import sys


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise SystemExit("tensor %s has dtype %s, expected F32" % (name, info["dtype"]))
        b, e = info["data_offsets"]
        shape = info["shape"]
        count = (e - b) // 4
        size = 1
        for d in shape:
            size *= d
        if size != count:
            raise SystemExit("tensor %s: shape %s does not fit %d values" % (name, shape, count))
        vals = list(struct.unpack("<%df" % count, data[8 + n + b:8 + n + e]))
        # 2-D tensors (LoRA's A and B, Linear weights) as rows; others flat
        tensors[name] = [vals[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])] if len(shape) == 2 else vals
    return meta, tensors


def matvec(m, v):
    return [sum(a * b for a, b in zip(row, v)) for row in m]


def main():
    adapter_dir, numbers_path = sys.argv[1], sys.argv[2]
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        config = json.load(f)
    required = ["r", "lora_alpha", "target_modules", "lora_dropout", "bias", "base_model_name_or_path",
                "peft_type", "task_type", "fan_in_fan_out", "modules_to_save", "init_lora_weights", "use_rslora",
                "use_dora", "inference_mode", "rank_pattern", "alpha_pattern", "layers_to_transform"]
    missing = [k for k in required if k not in config]
    if missing:
        raise SystemExit("adapter_config.json lacks keys %s" % missing)
    if config["peft_type"] != "LORA" or config["bias"] != "none":
        raise SystemExit("unexpected peft_type/bias: %s/%s" % (config["peft_type"], config["bias"]))
    meta, tensors = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
    if meta.get("format") != "pt":
        raise SystemExit("metadata format is %r, expected 'pt'" % meta.get("format"))
    pattern = re.compile(r"^base_model\.model\.(.+)\.lora_([AB])\.weight$")
    r = config["r"]
    for name, t in tensors.items():
        m = pattern.match(name)
        if not m:
            if not name.startswith("base_model.model."):
                raise SystemExit("tensor name %s is not PEFT's" % name)
            continue
        rows, cols = len(t), len(t[0])
        if (m.group(2) == "A" and rows != r) or (m.group(2) == "B" and cols != r):
            raise SystemExit("tensor %s has shape [%d, %d], rank should be %d" % (name, rows, cols, r))
    with open(numbers_path) as f:
        nums = json.load(f)
    prefix = "base_model.model." + nums["module"]
    a = tensors[prefix + ".lora_A.weight"]
    b = tensors[prefix + ".lora_B.weight"]
    if len(a[0]) != len(nums["weight"][0]) or len(b) != len(nums["weight"]):
        raise SystemExit("adapter shapes do not fit the base weight")
    scaling = config["lora_alpha"] / (r ** 0.5 if config["use_rslora"] else r)
    worst = 0.0
    for x, y in zip(nums["x"], nums["y"]):
        base = [w + bias for w, bias in zip(matvec(nums["weight"], x), nums["bias"])]
        delta = matvec(b, matvec(a, x))
        out = [u + scaling * d for u, d in zip(base, delta)]
        worst = max(worst, max(abs(o - e) for o, e in zip(out, y)))
    if worst > 1e-5:
        raise SystemExit("output differs from Frost's by %g" % worst)
    print("OK max_abs_err=%g tensors=%d" % (worst, len(tensors)))


if __name__ == "__main__":
    main()
