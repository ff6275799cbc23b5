"""Writes packages/models/test/fixtures/state-dict-keys.json: for every architecture, PyTorch's
state-dict keys with shapes (100 classes, num_batches_tracked dropped), so the tests can check
that our variable names and PyTorch shapes equal the reference exactly (what checkpoint import
relies on). Run: /usr/bin/python3 tools/fixtures-models/state_dict_keys.py"""
import json
import os
import torch
from reference_models import build, WideResNet
from count_params import NAMES

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "models", "test", "fixtures", "state-dict-keys.json")
torch.set_grad_enabled(False)
out = {}
for name in NAMES:
    if name in ("wrn_28_10", "wrn_70_16_swish"):
        continue  # same code paths as wrn_34_10 / wrn_28_10_swish; keeps the fixture small
    sd = build(name, 100).state_dict()
    out[name] = [f"{k}:{'x'.join(map(str, v.shape))}" for k, v in sd.items() if not k.endswith("num_batches_tracked")]
sd = WideResNet(34, 10, 100, sub_block1=True).state_dict()
out["wrn_34_10+subBlock1"] = [f"{k}:{'x'.join(map(str, v.shape))}" for k, v in sd.items() if not k.endswith("num_batches_tracked")]
with open(OUT, "w") as f:
    json.dump(out, f, separators=(",", ":"))
