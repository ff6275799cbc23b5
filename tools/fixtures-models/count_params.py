"""Prints trainable parameter counts (PyTorch `parameters()`) and buffer element counts for every
@dkl/models architecture, for the reference table in packages/models/test/param-counts.test.ts.
Run: /usr/bin/python3 tools/fixtures-models/count_params.py"""
import json
import sys
import torch
from reference_models import build, WideResNet

NAMES = ["resnet8", "resnet14", "resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "resnet8x4",
         "resnet32x4", "wrn_16_1", "wrn_16_2", "wrn_40_1", "wrn_40_2", "wrn_28_10", "wrn_34_10",
         "vgg8_bn", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn", "mobile_half", "ShuffleV1", "ShuffleV2",
         "ResNet18", "ResNet50", "MobileNetV1", "tiny_cnn", "imagenet_resnet18", "imagenet_resnet34",
         "imagenet_resnet50", "wrn_28_10_swish", "wrn_70_16_swish"]


def main():
    torch.set_grad_enabled(False)
    out = {}
    for classes in (100, 1000):
        for name in NAMES:
            m = build(name, classes)
            out[f"{name}@{classes}"] = [sum(p.numel() for p in m.parameters()), sum(b.numel() for n, b in m.named_buffers() if not n.endswith("num_batches_tracked"))]
            del m
        m = WideResNet(34, 10, classes, sub_block1=True)
        out[f"wrn_34_10+sub_block1@{classes}"] = [sum(p.numel() for p in m.parameters()), sum(b.numel() for n, b in m.named_buffers() if not n.endswith("num_batches_tracked"))]
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
