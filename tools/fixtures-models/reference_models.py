"""PyTorch definitions of the reference architectures (mdistiller CIFAR/ImageNet models, the
TRADES WideResNet), written from reading the upstream sources, used to (a) count parameters for
the @dkl/models reference table and (b) make the checkpoint-import fixtures. Layer names follow
upstream exactly so the state-dict keys are the ones published checkpoints use."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_init_fan_out(module):
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)


def wrn_init(module, batch_norms):
    """The WideResNets' init: conv weights normal(0, sqrt(2 / (kh * kw * out))), Linear biases 0,
    and BatchNorm weight 1 / bias 0 when `batch_norms`."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            m.weight.data.normal_(0, math.sqrt(2.0 / k))
        elif batch_norms and isinstance(m, nn.BatchNorm2d):
            m.weight.data.fill_(1)
            m.bias.data.zero_()
        elif isinstance(m, nn.Linear):
            m.bias.data.zero_()


def add_conv_bn(module, index, cin, cout, kernel, stride=1, padding=0, groups=1):
    """Registers `conv<index>` (no bias) and then `bn<index>` on `module`, as upstream names them."""
    setattr(module, f"conv{index}", nn.Conv2d(cin, cout, kernel, stride, padding, groups=groups, bias=False))
    setattr(module, f"bn{index}", nn.BatchNorm2d(cout))


# ---------------------------------------------------------------- CIFAR ResNet (resnet.py)
class CifarBasic(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        res = x if self.downsample is None else self.downsample(x)
        return F.relu(out + res)


class CifarResNet(nn.Module):
    def __init__(self, depth, widths, num_classes):
        super().__init__()
        n = (depth - 2) // 6
        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.layer1 = self._make(widths[1], n, 1)
        self.layer2 = self._make(widths[2], n, 2)
        self.layer3 = self._make(widths[3], n, 2)
        self.fc = nn.Linear(widths[3], num_classes)
        conv_init_fan_out(self)

    def _make(self, planes, n, stride):
        ds = None
        if stride != 1 or self.inplanes != planes:
            ds = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        blocks = [CifarBasic(self.inplanes, planes, stride, ds)]
        self.inplanes = planes
        blocks += [CifarBasic(planes, planes) for _ in range(1, n)]
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.avg_pool2d(x, 8).flatten(1)
        return self.fc(x)


# ---------------------------------------------------------------- WRN (wrn.py / TRADES)
class WrnBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.equal = cin == cout
        self.convShortcut = None if self.equal else nn.Conv2d(cin, cout, 1, stride, 0, bias=False)

    def forward(self, x):
        if self.equal:
            out = F.relu(self.bn1(x))
            out = self.conv2(F.relu(self.bn2(self.conv1(out))))
            return x + out
        x = F.relu(self.bn1(x))
        out = self.conv2(F.relu(self.bn2(self.conv1(x))))
        return self.convShortcut(x) + out


class WrnGroup(nn.Module):
    def __init__(self, n, cin, cout, stride):
        super().__init__()
        self.layer = nn.Sequential(*[WrnBlock(cin if i == 0 else cout, cout, stride if i == 0 else 1) for i in range(n)])

    def forward(self, x):
        return self.layer(x)


class WideResNet(nn.Module):
    def __init__(self, depth, widen, num_classes, sub_block1=False):
        super().__init__()
        ch = [16, 16 * widen, 32 * widen, 64 * widen]
        n = (depth - 4) // 6
        self.conv1 = nn.Conv2d(3, ch[0], 3, 1, 1, bias=False)
        self.block1 = WrnGroup(n, ch[0], ch[1], 1)
        if sub_block1:
            self.sub_block1 = WrnGroup(n, ch[0], ch[1], 1)
        self.block2 = WrnGroup(n, ch[1], ch[2], 2)
        self.block3 = WrnGroup(n, ch[2], ch[3], 2)
        self.bn1 = nn.BatchNorm2d(ch[3])
        self.fc = nn.Linear(ch[3], num_classes)
        wrn_init(self, batch_norms=True)

    def forward(self, x):
        out = self.block3(self.block2(self.block1(self.conv1(x))))
        out = F.relu(self.bn1(out))
        out = F.avg_pool2d(out, 8).flatten(1)
        return self.fc(out)


# ---------------------------------------------------------------- WRN, DeepMind layout
# (Gowal et al. model zoo; the generated-data AT code's `wideresnetwithswish`)
DM_STATS = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2471, 0.2435, 0.2616)),
    "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
}


class DmBlock(nn.Module):
    def __init__(self, cin, cout, stride, act):
        super().__init__()
        self.batchnorm_0 = nn.BatchNorm2d(cin, momentum=0.01)
        self.conv_0 = nn.Conv2d(cin, cout, 3, stride, 0, bias=False)
        self.batchnorm_1 = nn.BatchNorm2d(cout, momentum=0.01)
        self.conv_1 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride, 0, bias=False) if cin != cout else None
        self.stride = stride
        self.act = act

    def forward(self, x):
        a = self.act(self.batchnorm_0(x))
        # SAME padding of TensorFlow: symmetric for stride 1, bottom/right only for stride 2
        v = F.pad(a, (1, 1, 1, 1) if self.stride == 1 else (0, 1, 0, 1))
        out = self.conv_1(self.act(self.batchnorm_1(self.conv_0(v))))
        return (self.shortcut(a) if self.shortcut is not None else x) + out


class DmGroup(nn.Module):
    def __init__(self, n, cin, cout, stride, act):
        super().__init__()
        self.block = nn.Sequential(*[DmBlock(cin if i == 0 else cout, cout, stride if i == 0 else 1, act) for i in range(n)])

    def forward(self, x):
        return self.block(x)


class DmWideResNet(nn.Module):
    def __init__(self, depth, width, num_classes, act, stats):
        super().__init__()
        ch = [16, 16 * width, 32 * width, 64 * width]
        n = (depth - 4) // 6
        self.mean = torch.tensor(stats[0]).view(1, 3, 1, 1)
        self.std = torch.tensor(stats[1]).view(1, 3, 1, 1)
        self.act = act
        self.init_conv = nn.Conv2d(3, ch[0], 3, 1, 1, bias=False)
        self.layer = nn.Sequential(DmGroup(n, ch[0], ch[1], 1, act), DmGroup(n, ch[1], ch[2], 2, act), DmGroup(n, ch[2], ch[3], 2, act))
        self.batchnorm = nn.BatchNorm2d(ch[3], momentum=0.01)
        self.logits = nn.Linear(ch[3], num_classes)
        wrn_init(self, batch_norms=False)

    def forward(self, x):
        out = self.layer(self.init_conv((x - self.mean) / self.std))
        out = self.act(self.batchnorm(out))
        return self.logits(F.adaptive_avg_pool2d(out, 1).flatten(1))


# ---------------------------------------------------------------- VGG (vgg.py)
VGG_CFG = {
    8: [[64], [128], [256], [512], [512]],
    11: [[64], [128], [256, 256], [512, 512], [512, 512]],
    13: [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
    16: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
    19: [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]],
}


class VGG(nn.Module):
    def __init__(self, depth, num_classes):
        super().__init__()
        cfg = VGG_CFG[depth]
        cin = 3
        for i, stage in enumerate(cfg):
            layers = []
            for v in stage:
                layers += [nn.Conv2d(cin, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU()]
                cin = v
            setattr(self, f"block{i}", nn.Sequential(*layers[:-1]))
        self.classifier = nn.Linear(512, num_classes)

    def forward(self, x):
        h = x.shape[2]
        x = F.max_pool2d(F.relu(self.block0(x)), 2)
        x = F.max_pool2d(F.relu(self.block1(x)), 2)
        x = F.max_pool2d(F.relu(self.block2(x)), 2)
        x = F.relu(self.block3(x))
        if h == 64:
            x = F.max_pool2d(x, 2)
        x = F.relu(self.block4(x))
        return self.classifier(F.adaptive_avg_pool2d(x, 1).flatten(1))


# ---------------------------------------------------------------- MobileNetV2 (mobilenetv2.py)
class InvRes(nn.Module):
    def __init__(self, inp, oup, stride, t):
        super().__init__()
        h = inp * t
        self.res = stride == 1 and inp == oup
        self.conv = nn.Sequential(
            nn.Conv2d(inp, h, 1, 1, 0, bias=False), nn.BatchNorm2d(h), nn.ReLU(),
            nn.Conv2d(h, h, 3, stride, 1, groups=h, bias=False), nn.BatchNorm2d(h), nn.ReLU(),
            nn.Conv2d(h, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup))

    def forward(self, x):
        return x + self.conv(x) if self.res else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, t, width, num_classes):
        super().__init__()
        setting = [[1, 16, 1, 1], [t, 24, 2, 1], [t, 32, 3, 2], [t, 64, 4, 2], [t, 96, 3, 1], [t, 160, 3, 2], [t, 320, 1, 1]]
        cin = int(32 * width)
        self.conv1 = nn.Sequential(nn.Conv2d(3, cin, 3, 2, 1, bias=False), nn.BatchNorm2d(cin), nn.ReLU())
        self.blocks = nn.ModuleList()
        for tt, c, n, s in setting:
            cout = int(c * width)
            layers = []
            for i in range(n):
                layers.append(InvRes(cin, cout, s if i == 0 else 1, tt))
                cin = cout
            self.blocks.append(nn.Sequential(*layers))
        last = int(1280 * width) if width > 1.0 else 1280
        self.conv2 = nn.Sequential(nn.Conv2d(cin, last, 1, 1, 0, bias=False), nn.BatchNorm2d(last), nn.ReLU())
        self.classifier = nn.Sequential(nn.Linear(last, num_classes))


# ---------------------------------------------------------------- ShuffleNet V1 / V2
class ShuffleV1Block(nn.Module):
    def __init__(self, cin, cout, stride, groups):
        super().__init__()
        mid = int(cout / 4)
        g = 1 if cin == 24 else groups
        self.conv1 = nn.Conv2d(cin, mid, 1, groups=g, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, cout, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)


class ShuffleV1(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 24, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(24)
        cin = 24
        for li, (cout, n) in enumerate(zip([240, 480, 960], [4, 8, 4])):
            blocks = []
            for i in range(n):
                blocks.append(ShuffleV1Block(cin, cout - (cin if i == 0 else 0), 2 if i == 0 else 1, 3))
                cin = cout
            setattr(self, f"layer{li + 1}", nn.Sequential(*blocks))
        self.linear = nn.Linear(960, num_classes)


class ShuffleV2Basic(nn.Module):
    def __init__(self, c):
        super().__init__()
        c = c // 2
        add_conv_bn(self, 1, c, c, 1)
        add_conv_bn(self, 2, c, c, 3, 1, 1, groups=c)
        add_conv_bn(self, 3, c, c, 1)


class ShuffleV2Down(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        mid = cout // 2
        add_conv_bn(self, 1, cin, cin, 3, 2, 1, groups=cin)
        add_conv_bn(self, 2, cin, mid, 1)
        add_conv_bn(self, 3, cin, mid, 1)
        add_conv_bn(self, 4, mid, mid, 3, 2, 1, groups=mid)
        add_conv_bn(self, 5, mid, mid, 1)


class ShuffleV2(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        outs, nums = (116, 232, 464, 1024), (3, 7, 3)
        self.conv1 = nn.Conv2d(3, 24, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(24)
        cin = 24
        for li in range(3):
            layers = [ShuffleV2Down(cin, outs[li])] + [ShuffleV2Basic(outs[li]) for _ in range(nums[li])]
            cin = outs[li]
            setattr(self, f"layer{li + 1}", nn.Sequential(*layers))
        self.conv2 = nn.Conv2d(outs[2], outs[3], 1, 1, 0, bias=False)
        self.bn2 = nn.BatchNorm2d(outs[3])
        self.linear = nn.Linear(outs[3], num_classes)


# ---------------------------------------------------------------- CIFAR ResNet18/50 (resnetv2.py)
class V2Basic(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride):
        super().__init__()
        add_conv_bn(self, 1, cin, planes, 3, stride, 1)
        add_conv_bn(self, 2, planes, planes, 3, 1, 1)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))


class V2Bottle(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride):
        super().__init__()
        add_conv_bn(self, 1, cin, planes, 1)
        add_conv_bn(self, 2, planes, planes, 3, stride, 1)
        add_conv_bn(self, 3, planes, planes * 4, 1)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != planes * 4:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))


class ResNetV2(nn.Module):
    def __init__(self, block, nums, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        cin = 64
        for li, (planes, n, s) in enumerate(zip([64, 128, 256, 512], nums, [1, 2, 2, 2])):
            blocks = []
            for i in range(n):
                blocks.append(block(cin, planes, s if i == 0 else 1))
                cin = planes * block.expansion
            setattr(self, f"layer{li + 1}", nn.Sequential(*blocks))
        self.linear = nn.Linear(512 * block.expansion, num_classes)


# ---------------------------------------------------------------- MobileNetV1 (imagenet/mobilenetv1.py)
class MobileNetV1(nn.Module):
    def __init__(self, num_classes):
        super().__init__()

        def conv_bn(i, o, s):
            return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU())

        def conv_dw(i, o, s):
            return nn.Sequential(nn.Conv2d(i, i, 3, s, 1, groups=i, bias=False), nn.BatchNorm2d(i), nn.ReLU(),
                                 nn.Conv2d(i, o, 1, 1, 0, bias=False), nn.BatchNorm2d(o), nn.ReLU())

        cfg = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 512, 2)] + \
            [(512, 512, 1)] * 5 + [(512, 1024, 2), (1024, 1024, 1)]
        self.model = nn.Sequential(conv_bn(3, 32, 2), *[conv_dw(i, o, s) for i, o, s in cfg], nn.AvgPool2d(7))
        self.fc = nn.Linear(1024, num_classes)


class TinyCNN(nn.Module):
    """The package's own small test/demo network (no upstream)."""

    def __init__(self, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, 2, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.conv3 = nn.Conv2d(32, 64, 3, 2, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64, num_classes)


def build(name, num_classes):
    cifar = {"resnet8": 8, "resnet14": 14, "resnet20": 20, "resnet32": 32, "resnet44": 44, "resnet56": 56, "resnet110": 110}
    if name in cifar:
        return CifarResNet(cifar[name], [16, 16, 32, 64], num_classes)
    if name == "resnet8x4":
        return CifarResNet(8, [32, 64, 128, 256], num_classes)
    if name == "resnet32x4":
        return CifarResNet(32, [32, 64, 128, 256], num_classes)
    if name.startswith("wrn_") and name.endswith(("_swish", "_dm")):
        _, d, w, kind = name.split("_")
        act = F.silu if kind == "swish" else F.relu
        return DmWideResNet(int(d), int(w), num_classes, act, DM_STATS["cifar100" if num_classes == 100 else "cifar10"])
    if name.startswith("wrn_"):
        _, d, w = name.split("_")
        return WideResNet(int(d), int(w), num_classes)
    if name.startswith("vgg") and name.endswith("_bn"):
        return VGG(int(name[3:-3]), num_classes)
    if name == "mobile_half":
        return MobileNetV2(6, 0.5, num_classes)
    if name == "ShuffleV1":
        return ShuffleV1(num_classes)
    if name == "ShuffleV2":
        return ShuffleV2(num_classes)
    if name == "ResNet18":
        return ResNetV2(V2Basic, [2, 2, 2, 2], num_classes)
    if name == "ResNet50":
        return ResNetV2(V2Bottle, [3, 4, 6, 3], num_classes)
    if name == "MobileNetV1":
        return MobileNetV1(num_classes)
    if name == "tiny_cnn":
        return TinyCNN(num_classes)
    if name.startswith("imagenet_resnet"):
        import torchvision
        return getattr(torchvision.models, name[len("imagenet_"):])(num_classes=num_classes)
    raise KeyError(name)
