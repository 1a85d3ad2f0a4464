"""PyTorch peer for `frost bench freeze`: the same workloads, frozen the usual PyTorch way.

Frozen parameters get requires_grad_(False), frozen modules eval() (BatchNorm statistics fixed), and the optimizer
(AdamW) holds only trainable parameters. Prints one JSON object: the milliseconds of every measured step, by workload and mode.
"""
import json
import sys
import time

import torch
from torch import nn


def mlp():
    groups = [nn.Sequential(nn.Linear(784 if i == 0 else 1024, 1024), nn.ReLU()) for i in range(3)]
    groups.append(nn.Sequential(nn.Linear(1024, 10)))
    return groups, (784,)


def cnn():
    groups = []
    chans = [1, 32, 64, 128]
    for i in range(3):
        last = i == 2
        groups.append(nn.Sequential(
            nn.Conv2d(chans[i], chans[i + 1], 3, padding=1), nn.BatchNorm2d(chans[i + 1]), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1) if last else nn.MaxPool2d(2), *( [nn.Flatten()] if last else [])))
    groups.append(nn.Sequential(nn.Linear(128, 10)))
    return groups, (1, 28, 28)


def run(spec):
    torch.manual_seed(0)
    groups, shape = {"mlp": mlp, "cnn": cnn}[spec["name"]]()
    model = nn.Sequential(*groups)
    batch = spec["batch"]
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))
    loss_fn = nn.CrossEntropyLoss()
    n = len(groups)
    frozen_by_mode = {"full": 0, "head-only": n - 1, "half": n // 2}
    optimizers = {}

    def set_frozen(k):
        for i, g in enumerate(groups):
            frozen = i < k
            g.requires_grad_(not frozen)
            g.train(not frozen)

    for mode, k in frozen_by_mode.items():
        set_frozen(k)
        params = [p for p in model.parameters() if p.requires_grad]
        optimizers[mode] = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01)

    def step(mode):
        if mode == "forward":
            set_frozen(0)
            with torch.no_grad():
                model(x)
            return
        set_frozen(frozen_by_mode[mode])
        opt = optimizers[mode]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    modes = list(frozen_by_mode) + ["forward"]
    times = {m: [] for m in modes}
    for r in range(spec["warmup"] + spec["repeats"]):
        for m in modes:
            t0 = time.perf_counter()
            step(m)
            dt = (time.perf_counter() - t0) * 1000
            if r >= spec["warmup"]:
                times[m].append(dt)
    return times


def main():
    args = json.loads(sys.argv[1])
    torch.set_num_threads(args.get("threads", 2))
    out = {"torch": torch.__version__, "results": {}}
    for spec in args["workloads"]:
        out["results"][spec["name"]] = run(spec)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
