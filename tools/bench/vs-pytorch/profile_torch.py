"""PyTorch side of where-time-goes.mjs: one training step of bench_torch.py's setup (same models,
SGD, cross-entropy, random 32x32x3 images; bf16 = CPU autocast with channels-last) under
torch.profiler. Prints one JSON line: the median step time and every operator's self CPU time per
step, with the phase it ran in (forward, backward, optimizer), and the profiled steps' wall time.
Usage: python3 profile_torch.py MODEL THREADS BATCH WARMUP STEPS [fp32|bf16]"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile, record_function

from bench_torch import setup

PHASES = ("forward", "backward", "optimizer")


def phase_of(event):
    """The record_function range (forward / backward / optimizer) an operator ran under."""
    parent = event.cpu_parent
    while parent is not None:
        if parent.name in PHASES:
            return parent.name
        parent = parent.cpu_parent
    return "other"


def main():
    name, precision, bf16, warmup, steps, model, opt, x, y = setup(sys.argv)

    def step():
        opt.zero_grad(set_to_none=True)
        with record_function("forward"):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = F.cross_entropy(model(x), y)
        with record_function("backward"):
            loss.backward()
        with record_function("optimizer"):
            opt.step()

    for _ in range(warmup):
        step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        profiled_ms = (time.perf_counter() - t0) * 1000 / steps
    # Then step times without the profiler (it adds its own cost); after the profiled steps, which
    # finish the warm-up (autocast's first steps here are slower than the later ones).
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    ops = {}
    for event in prof.events():
        if event.name in PHASES:
            continue
        key = (phase_of(event), event.name)
        entry = ops.setdefault(key, {"phase": key[0], "name": key[1], "ms": 0.0, "calls": 0})
        entry["ms"] += event.self_cpu_time_total / 1000 / steps
        entry["calls"] += 1 / steps
    print(json.dumps({"model": name, "precision": precision, "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "step_ms": statistics.median(times), "profiled_step_ms": profiled_ms, "ops": sorted(ops.values(), key=lambda o: -o["ms"])}))


if __name__ == "__main__":
    main()
