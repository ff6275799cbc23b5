"""PyTorch side of the vs-pytorch benchmark: the same CIFAR ResNet / WRN models,
trained with SGD momentum 0.9 + weight decay 5e-4 and cross-entropy on random
32x32x3 images. Prints one JSON line with per-step times."""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        o = F.relu(self.bn1(self.conv1(x)))
        o = self.bn2(self.conv2(o))
        return F.relu(o + (self.down(x) if self.down is not None else x))


class ResNet(nn.Module):
    def __init__(self, depth, widths, num_classes):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        layers, cin = [], widths[0]
        for s in range(3):
            for i in range(n):
                stride = 2 if s > 0 and i == 0 else 1
                layers.append(BasicBlock(cin, widths[s + 1], stride))
                cin = widths[s + 1]
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        h = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(h.mean((2, 3)))


class WideBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.short = nn.Conv2d(cin, cout, 1, stride, bias=False) if cin != cout else None

    def forward(self, x):
        a = F.relu(self.bn1(x))
        o = self.conv2(F.relu(self.bn2(self.conv1(a))))
        return o + (self.short(a) if self.short is not None else x)


class WRN(nn.Module):
    def __init__(self, depth, k, num_classes):
        super().__init__()
        n = (depth - 4) // 6
        widths = [16, 16 * k, 32 * k, 64 * k]
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        blocks, cin = [], 16
        for s in range(3):
            for i in range(n):
                stride = 2 if s > 0 and i == 0 else 1
                blocks.append(WideBlock(cin, widths[s + 1], stride))
                cin = widths[s + 1]
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        h = F.relu(self.bn(self.blocks(self.conv1(x))))
        return self.fc(h.mean((2, 3)))


def make_model(name, num_classes=100):
    return {
        "resnet8x4": lambda: ResNet(8, [32, 64, 128, 256], num_classes),
        "resnet32x4": lambda: ResNet(32, [32, 64, 128, 256], num_classes),
        "resnet8": lambda: ResNet(8, [16, 16, 32, 64], num_classes),
        "resnet32": lambda: ResNet(32, [16, 16, 32, 64], num_classes),
        "wrn_16_2": lambda: WRN(16, 2, num_classes),
    }[name]()


def main():
    name, threads, batch, warmup, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = make_model(name)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 100, (batch,))
    times, cpu, losses = [], [], []
    for step in range(warmup + steps):
        t0 = time.perf_counter()
        c0 = time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        dc = time.process_time() - c0
        losses.append(float(loss))
        if step >= warmup:
            times.append(dt)
            cpu.append(dc)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(json.dumps({"model": name, "params": params, "threads": torch.get_num_threads(),
                      "torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available(),
                      "times": times, "cpu": cpu, "losses": losses}))


if __name__ == "__main__":
    main()
