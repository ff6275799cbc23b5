"""One KD step in PyTorch: resnet32x4 teacher (eval, no_grad) -> resnet8x4 student with the
authors' IKL loss in its pairwise [B, C, C] form (IKL_KD.py with GI: class-prior weights).
Usage: python3 kd_torch.py THREADS BATCH WARMUP STEPS  (prints JSON with per-step times)."""
import json
import sys
import time

import torch
import torch.nn.functional as F

from bench_torch import make_model


def ikl_pairwise(s, t, prior_rows, alpha=1.0, beta=8.0, T=4.0):
    B, C = s.shape
    delta_n = t.view(-1, C, 1) - t.view(-1, 1, C)
    delta_a = s.view(-1, C, 1) - s.view(-1, 1, C)
    with torch.no_grad():
        p_n = prior_rows.view(-1, C, 1) * prior_rows.view(-1, 1, C)
    loss_mse = 0.25 * ((delta_n - delta_a) ** 2 * p_n).sum() / B
    loss_sce = -(F.softmax(t / T, dim=1).detach() * F.log_softmax(s / T, dim=-1)).sum(1).mean()
    return beta * loss_mse + alpha * loss_sce


def main():
    threads, batch, warmup, steps = (int(a) for a in sys.argv[1:5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    teacher, student = make_model("resnet32x4"), make_model("resnet8x4")
    teacher.eval()
    student.train()
    opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 100, (batch,))
    prior = torch.full((100, 100), 0.01)
    times = []
    for step in range(warmup + steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            t = teacher(x)
        s = student(x)
        rows = F.one_hot(y, 100).float() @ prior
        loss = F.cross_entropy(s, y) + ikl_pairwise(s, t, rows)
        loss.backward()
        opt.step()
        if step >= warmup:
            times.append(time.perf_counter() - t0)
    print(json.dumps({"times": times, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
