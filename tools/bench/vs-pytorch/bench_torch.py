"""PyTorch side of the vs-pytorch benchmark: the same CIFAR ResNet / WRN models,
trained with SGD momentum 0.9 + weight decay 5e-4 and cross-entropy on random
32x32x3 images. Prints one JSON line with per-step times.
Usage: python3 bench_torch.py MODEL THREADS BATCH WARMUP STEPS [fp32|bf16]
bf16: CPU autocast to bfloat16 with model and input in channels-last (PyTorch's
recommended CPU mixed-precision setup); master weights and optimizer stay fp32."""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F


# The same architectures the @dkl/models checks use (parameter counts 1,233,540 / 703,284 /
# 7,433,860 at 100 classes), from tools/fixtures-models/reference_models.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures-models"))
from reference_models import build  # noqa: E402

BENCH_MODELS = ("resnet8x4", "resnet32x4", "resnet8", "resnet32", "wrn_16_2")


def make_model(name, num_classes=100):
    if name not in BENCH_MODELS:
        raise KeyError(f"unknown model '{name}' ({', '.join(BENCH_MODELS)})")
    return build(name, num_classes)


def setup(argv):
    """MODEL THREADS BATCH WARMUP STEPS [fp32|bf16] -> the run's settings, model, optimizer and batch
    (shared with profile_torch.py)."""
    name, threads, batch, warmup, steps = argv[1], int(argv[2]), int(argv[3]), int(argv[4]), int(argv[5])
    precision = argv[6] if len(argv) > 6 else "fp32"
    if precision not in ("fp32", "bf16"):
        raise ValueError(f"precision must be fp32 or bf16, got '{precision}'")
    bf16 = precision == "bf16"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = make_model(name)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 100, (batch,))
    if bf16:
        model = model.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)
    return name, precision, bf16, warmup, steps, model, opt, x, y


def main():
    name, precision, bf16, warmup, steps, model, opt, x, y = setup(sys.argv)
    times, cpu, losses = [], [], []
    for step in range(warmup + steps):
        t0 = time.perf_counter()
        c0 = time.process_time()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        dc = time.process_time() - c0
        losses.append(float(loss))
        if step >= warmup:
            times.append(dt)
            cpu.append(dc)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(json.dumps({"model": name, "params": params, "precision": precision, "threads": torch.get_num_threads(),
                      "torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available(),
                      "times": times, "cpu": cpu, "losses": losses}))


if __name__ == "__main__":
    main()
