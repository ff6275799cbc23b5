"""PyTorch side of tools/bench/attacks: PGD-10 and APGD-CE-100 (L-inf, eps 8/255) on the same
CIFAR ResNet in eval mode, random [0, 1] inputs labelled by the model's own predictions, the
same thread count. Prints one JSON line with seconds per batch of each attack.

PGD-10: uniform random start in the eps cube, 10 steps of eps/4 on the signed gradient of the
cross-entropy, projection onto the ball and [0, 1] (Madry et al.). APGD-CE-100: fra31/auto-attack
autopgd_base.py `attack_single_run` (momentum 0.75, step 2·eps, checkpoints p_j with the
oscillation / no-improvement halving rule, restart from the best point), written out here
because the autoattack package is not in Debian.

Usage: python3 attacks_torch.py <model> <threads> <batch> <iters> <attacks: pgd10,apgd100>
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures-models"))
from reference_models import build  # noqa: E402

EPS = 8 / 255


def pgd(model, x, y, steps=10):
    step = EPS / 4
    x_adv = (x + torch.empty_like(x).uniform_(-EPS, EPS)).clamp(0, 1)
    for _ in range(steps):
        x_adv.requires_grad_(True)
        loss = F.cross_entropy(model(x_adv), y, reduction="sum")
        grad, = torch.autograd.grad(loss, [x_adv])
        with torch.no_grad():
            x_adv = x_adv + step * grad.sign()
            x_adv = torch.min(torch.max(x_adv, x - EPS), x + EPS).clamp(0, 1)
    return x_adv.detach()


def check_oscillation(losses, j, k, k3=0.75):
    t = torch.zeros(losses.shape[1])
    for counter5 in range(k):
        t += (losses[j - counter5] > losses[j - counter5 - 1]).float()
    return (t <= k * k3 * torch.ones_like(t)).float()


def grad_ce(model, x_adv, y):
    x_adv = x_adv.clone().requires_grad_(True)
    logits = model(x_adv)
    loss_indiv = F.cross_entropy(logits, y, reduction="none")
    grad, = torch.autograd.grad(loss_indiv.sum(), [x_adv])
    return logits.detach(), loss_indiv.detach(), grad.detach()


def apgd_ce(model, x, y, n_iter=100, rho=0.75):
    n_iter_2 = max(int(0.22 * n_iter), 1)
    n_iter_min = max(int(0.06 * n_iter), 1)
    size_decr = max(int(0.03 * n_iter), 1)
    t = 2 * torch.rand(x.shape) - 1
    x_adv = (x + EPS * t / t.reshape(t.shape[0], -1).abs().max(1)[0].reshape(-1, 1, 1, 1)).clamp(0, 1)
    x_best = x_adv.clone()
    x_best_adv = x_adv.clone()
    loss_steps = torch.zeros([n_iter, x.shape[0]])
    logits, loss_indiv, grad = grad_ce(model, x_adv, y)
    grad_best = grad.clone()
    acc = logits.argmax(1) == y
    loss_best = loss_indiv.clone()
    step_size = 2 * EPS * torch.ones([x.shape[0], 1, 1, 1])
    x_adv_old = x_adv.clone()
    k = n_iter_2
    counter3 = 0
    loss_best_last_check = loss_best.clone()
    reduced_last_check = torch.ones_like(loss_best)
    for i in range(n_iter):
        with torch.no_grad():
            x_adv = x_adv.detach()
            grad2 = x_adv - x_adv_old
            x_adv_old = x_adv.clone()
            a = 0.75 if i > 0 else 1.0
            x_adv_1 = x_adv + step_size * torch.sign(grad)
            x_adv_1 = torch.clamp(torch.min(torch.max(x_adv_1, x - EPS), x + EPS), 0.0, 1.0)
            x_adv_1 = torch.clamp(torch.min(torch.max(x_adv + (x_adv_1 - x_adv) * a + grad2 * (1 - a), x - EPS), x + EPS), 0.0, 1.0)
            x_adv = x_adv_1
        logits, loss_indiv, grad = grad_ce(model, x_adv, y)
        with torch.no_grad():
            pred = logits.argmax(1) == y
            acc = torch.min(acc, pred)
            ind_pred = (pred == 0).nonzero().squeeze()
            x_best_adv[ind_pred] = x_adv[ind_pred] + 0.0
            loss_steps[i] = loss_indiv
            ind = (loss_indiv > loss_best).nonzero().squeeze()
            x_best[ind] = x_adv[ind].clone()
            grad_best[ind] = grad[ind].clone()
            loss_best[ind] = loss_indiv[ind]
            counter3 += 1
            if counter3 == k:
                fl_oscillation = check_oscillation(loss_steps, i, k, k3=rho)
                fl_reduce_no_impr = (1.0 - reduced_last_check) * (loss_best_last_check >= loss_best).float()
                fl_oscillation = torch.max(fl_oscillation, fl_reduce_no_impr)
                reduced_last_check = fl_oscillation.clone()
                loss_best_last_check = loss_best.clone()
                if fl_oscillation.sum() > 0:
                    ind_fl_osc = (fl_oscillation > 0).nonzero().squeeze()
                    step_size[ind_fl_osc] /= 2.0
                    x_adv[ind_fl_osc] = x_best[ind_fl_osc].clone()
                    grad[ind_fl_osc] = grad_best[ind_fl_osc].clone()
                k = max(k - size_decr, n_iter_min)
                counter3 = 0
    return x_best_adv, acc


def timed(fn, n):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main():
    name, threads, batch, iters, attacks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(",")
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build(name, 100)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x = torch.rand(batch, 3, 32, 32)
    with torch.no_grad():
        y = model(x).argmax(1)

    def fwd_bwd():
        grad_ce(model, x, y)

    fwd_bwd()  # warm-up
    fwd_bwd()
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "fwd_bwd_s": timed(fwd_bwd, iters)}
    runs = {"pgd10": lambda: pgd(model, x, y), "apgd100": lambda: apgd_ce(model, x, y)}
    for key in attacks:
        out[key] = timed(runs[key], 1 if key == "apgd100" else iters)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
