"""PyTorch CUDA side of tools/bench/gpu: the same models (tools/fixtures-models/reference_models.py
through the vs-pytorch benchmark's make_model), SGD momentum 0.9 + weight decay 5e-4,
cross-entropy, random 32x32x3 inputs, 100 classes, on cuda:0.
Usage: python3 bench_torch_cuda.py MODEL BATCH WARMUP STEPS  (prints {"seconds": median s/step})."""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vs-pytorch"))
from bench_torch import make_model  # noqa: E402


def main():
    name, batch, warmup, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.manual_seed(0)
    device = torch.device("cuda:0")
    model = make_model(name).to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.rand(batch, 3, 32, 32, device=device)
    y = torch.randint(0, 100, (batch,), device=device)
    times = []
    for step in range(warmup + steps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        float(loss)  # like the tfjs side: the step ends with the loss on the host
        torch.cuda.synchronize()
        if step >= warmup:
            times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({"seconds": times[len(times) // 2], "torch": torch.__version__}))


if __name__ == "__main__":
    main()
