"""Writes torchvision ResNets with seeded random weights and their logits, for the check that
@dkl/models' imagenet_* architectures (torchvision's layout) compute what torchvision computes.
The fixture is made when the test runs (the weights are tens of MB), by this script.

Run (needs Debian's python3-torch and python3-torchvision; no other deps):
    /usr/bin/python3 tools/fixtures-models/torchvision_logits.py OUT_DIR [names...]
    (default names: imagenet_resnet18 imagenet_resnet34 imagenet_resnet50)

Writes per name into OUT_DIR: <name>.pth (state dict), <name>.input.f32 (NCHW [2, 3, 64, 64]
float32 little-endian) and <name>.expected.json (eval-mode and train-mode logits). BatchNorm
affine parameters are random and running statistics non-trivial, so eval mode is really tested."""
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision

NUM_CLASSES = 10
SIZE = 64


def randomize(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
        model.train()
        for _ in range(2):
            model(torch.rand(4, 3, SIZE, SIZE, generator=gen))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.add_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
                m.running_var.mul_(torch.rand(m.running_var.shape, generator=gen) + 0.5)


def make(out, name, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = getattr(torchvision.models, name[len("imagenet_"):])(num_classes=NUM_CLASSES)
    randomize(model, gen)
    x = torch.rand(2, 3, SIZE, SIZE, generator=gen)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model.eval()
        eval_logits = model(x)
        model.train()
        train_logits = model(x)
    torch.save(state, os.path.join(out, f"{name}.pth"))
    x.numpy().astype("<f4").tofile(os.path.join(out, f"{name}.input.f32"))
    with open(os.path.join(out, f"{name}.expected.json"), "w") as f:
        json.dump({
            "architecture": name,
            "numClasses": NUM_CLASSES,
            "inputShapeNCHW": list(x.shape),
            "evalLogits": eval_logits.tolist(),
            "trainLogits": train_logits.tolist(),
            "torchVersion": torch.__version__,
            "torchvisionVersion": torchvision.__version__,
        }, f)


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or ["imagenet_resnet18", "imagenet_resnet34", "imagenet_resnet50"]
    os.makedirs(out, exist_ok=True)
    for i, name in enumerate(names):
        make(out, name, 100 + i)


if __name__ == "__main__":
    main()
