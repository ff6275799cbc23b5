"""Generates the PyTorch fixtures for @dkl/models' checkpoint-import tests.

Run (needs Debian's python3-torch; no other deps):
    /usr/bin/python3 tools/fixtures-models/make_fixtures.py [names...]   (default: all)

Writes into packages/models/test/fixtures/:
  resnet8.pth       {"model": state_dict, "epoch": 240, "best_acc": 71.5}  (mdistiller's wrapping)
  wrn_16_1.pth      DataParallel-style state dict ("module." prefixes)
  wrn_10_2_swish.pth  plain state dict of the DeepMind-layout WRN with Swish
  <name>.input.f32  fixed input, float32 little-endian, NCHW [2, 3, 32, 32]
  <name>.expected.json  eval-mode logits, train-mode logits for the same input, and the running
                    statistics of two BatchNorm layers after that train-mode forward
  legacy.pth        a pre-1.6 (non-zip) torch.save file, for the error test
  pickled-module.pth  torch.save(nn.Linear) (a pickled module rather than a state dict)
  ops.expected.json single-layer cases (grouped/depthwise/7x7 convs, pools, channel shuffle)
Weights are random (seeded), BatchNorm affine parameters are random and running statistics are
non-trivial (several train-mode passes over random batches, then perturbed)."""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from fixture_io import batch_norms, eval_and_train_logits, seeded, warm_up_running_stats, write_fixture  # noqa: E402
from reference_models import build  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "models", "test", "fixtures")
NUM_CLASSES = 10
WATCH = {"resnet8": ["bn1", "layer3.0.downsample.1"], "wrn_16_1": ["block1.layer.0.bn1", "bn1"],
         "wrn_10_2_swish": ["layer.1.block.0.batchnorm_0", "batchnorm"]}


def randomize(model, gen):
    with torch.no_grad():
        for m in batch_norms(model):
            m.weight.uniform_(0.5, 1.5, generator=gen)
            m.bias.uniform_(-0.3, 0.3, generator=gen)
    warm_up_running_stats(model, gen, lambda: (torch.rand(8, 3, 32, 32, generator=gen) * 2 - 0.5 for _ in range(3)))


def make(name, seed, wrap):
    gen = seeded(seed)
    model = build(name, NUM_CLASSES)
    randomize(model, gen)
    x = torch.rand(2, 3, 32, 32, generator=gen) * 2 - 0.5
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    eval_logits, train_logits = eval_and_train_logits(model, x)
    mods = dict(model.named_modules())
    watched = {n: {"running_mean": mods[n].running_mean.tolist(), "running_var": mods[n].running_var.tolist()} for n in WATCH[name]}
    write_fixture(OUT, name, wrap(sd), x, eval_logits, train_logits, runningStatsAfterTrainForward=watched, torchVersion=torch.__version__)


def make_ops(gen):
    """Single-layer cases exercising the ops the bigger architectures use (grouped and depthwise
    convs, the 7x7/2 stem, pools with padding, channel shuffle), with PyTorch's outputs."""
    import torch.nn.functional as F
    cases = []

    def conv_case(name, cin, cout, k, stride, pad, groups, bias, hw):
        x = torch.randn(2, cin, hw, hw, generator=gen)
        w = torch.randn(cout, cin // groups, k, k, generator=gen) * 0.3
        b = torch.randn(cout, generator=gen) if bias else None
        y = F.conv2d(x, w, b, stride, pad, 1, groups)
        cases.append({"name": name, "op": "conv", "inChannels": cin, "outChannels": cout, "kernel": k, "stride": stride,
                      "padding": pad, "groups": groups, "x": x.tolist(), "weight": w.tolist(),
                      "bias": None if b is None else b.tolist(), "y": y.tolist()})

    conv_case("grouped1x1", 6, 9, 1, 1, 0, 3, False, 5)
    conv_case("depthwise3x3s2", 4, 4, 3, 2, 1, 4, False, 7)
    conv_case("stem7x7s2", 3, 5, 7, 2, 3, 1, False, 9)
    conv_case("conv3x3s2bias", 3, 4, 3, 2, 1, 1, True, 6)
    x = torch.randn(2, 6, 7, 7, generator=gen)
    cases.append({"name": "maxpool3s2p1", "op": "maxpool", "x": x.tolist(), "y": F.max_pool2d(x, 3, 2, 1).tolist()})
    cases.append({"name": "avgpool3s2p1", "op": "avgpool", "x": x.tolist(), "y": F.avg_pool2d(x, 3, 2, 1).tolist()})
    n, c, h, w = x.shape
    shuffled = x.reshape(n, 3, c // 3, h, w).permute(0, 2, 1, 3, 4).reshape(n, c, h, w)
    cases.append({"name": "shuffle3", "op": "shuffle", "groups": 3, "x": x.tolist(), "y": shuffled.tolist()})
    with open(os.path.join(OUT, "ops.expected.json"), "w") as f:
        json.dump(cases, f)


def main(only):
    """`only`: fixture names to (re)write; all when empty."""
    os.makedirs(OUT, exist_ok=True)
    want = lambda name: not only or name in only  # noqa: E731
    if want("resnet8"):
        make("resnet8", 1, lambda sd: {"model": sd, "epoch": 240, "best_acc": 71.5})
    if want("wrn_16_1"):
        make("wrn_16_1", 2, lambda sd: {f"module.{k}": v for k, v in sd.items()})
    if want("wrn_10_2_swish"):
        make("wrn_10_2_swish", 4, lambda sd: sd)
    if want("ops"):
        make_ops(torch.Generator().manual_seed(3))
    if want("misc"):
        torch.save({"a": torch.arange(3.0)}, os.path.join(OUT, "legacy.pth"), _use_new_zipfile_serialization=False)
        torch.save(nn.Linear(2, 2), os.path.join(OUT, "pickled-module.pth"))


if __name__ == "__main__":
    main(sys.argv[1:])
