"""Writes torchvision ResNets with seeded random weights and their logits, for the check that
@dkl/models' imagenet_* architectures (torchvision's layout) compute what torchvision computes.
The fixture is made when the test runs (the weights are tens of MB), by this script.

Run (needs Debian's python3-torch and python3-torchvision; no other deps):
    /usr/bin/python3 tools/fixtures-models/torchvision_logits.py OUT_DIR [names...]
    (default names: imagenet_resnet18 imagenet_resnet34 imagenet_resnet50)

Writes per name into OUT_DIR: <name>.pth (state dict), <name>.input.f32 (NCHW [2, 3, 64, 64]
float32 little-endian) and <name>.expected.json (eval-mode and train-mode logits). BatchNorm
affine parameters are random and running statistics non-trivial, so eval mode is really tested."""
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
from fixture_io import batch_norms, eval_and_train_logits, seeded, warm_up_running_stats, write_fixture  # noqa: E402

NUM_CLASSES = 10
SIZE = 64


def randomize(model, gen):
    with torch.no_grad():
        for m in batch_norms(model):
            m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
            m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
    warm_up_running_stats(model, gen, lambda: (torch.rand(4, 3, SIZE, SIZE, generator=gen) for _ in range(2)))


def make(out, name, seed):
    gen = seeded(seed)
    model = getattr(torchvision.models, name[len("imagenet_"):])(num_classes=NUM_CLASSES)
    randomize(model, gen)
    x = torch.rand(2, 3, SIZE, SIZE, generator=gen)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    eval_logits, train_logits = eval_and_train_logits(model, x)
    write_fixture(out, name, state, x, eval_logits, train_logits, torchVersion=torch.__version__, torchvisionVersion=torchvision.__version__)


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or ["imagenet_resnet18", "imagenet_resnet34", "imagenet_resnet50"]
    os.makedirs(out, exist_ok=True)
    for i, name in enumerate(names):
        make(out, name, 100 + i)


if __name__ == "__main__":
    main()
