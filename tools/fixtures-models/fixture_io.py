"""What the logits fixtures (make_fixtures.py, torchvision_logits.py) share: seeding, non-trivial
BatchNorm running statistics, eval- and train-mode logits of one input, and the files written."""
import json
import os

import torch
import torch.nn as nn


def seeded(seed):
    """Seeds torch's global generator (weight init) and returns a generator for the fixture's draws."""
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def batch_norms(model):
    return [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]


def warm_up_running_stats(model, gen, batches):
    """Train-mode passes over `batches()` (called once per pass), then every BatchNorm's running
    mean shifted and running variance scaled at random: statistics unlike the initial 0 / 1."""
    model.train()
    with torch.no_grad():
        for x in batches():
            model(x)
        for m in batch_norms(model):
            m.running_mean.add_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
            m.running_var.mul_(torch.rand(m.running_var.shape, generator=gen) + 0.5)


def eval_and_train_logits(model, x):
    """Eval-mode logits of `x`, then train-mode logits (which update the running statistics)."""
    with torch.no_grad():
        model.eval()
        eval_logits = model(x)
        model.train()
        train_logits = model(x)
    return eval_logits, train_logits


def write_fixture(out, name, checkpoint, x, eval_logits, train_logits, **extra):
    """<name>.pth (`checkpoint`), <name>.input.f32 (`x`, float32 little-endian) and
    <name>.expected.json (the logits, then the `extra` fields in order)."""
    torch.save(checkpoint, os.path.join(out, f"{name}.pth"))
    x.numpy().astype("<f4").tofile(os.path.join(out, f"{name}.input.f32"))
    with open(os.path.join(out, f"{name}.expected.json"), "w") as f:
        json.dump({
            "architecture": name,
            "numClasses": eval_logits.shape[1],
            "inputShapeNCHW": list(x.shape),
            "evalLogits": eval_logits.tolist(),
            "trainLogits": train_logits.tolist(),
            **extra,
        }, f)
