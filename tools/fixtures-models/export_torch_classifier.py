"""Exports a small seeded PyTorch classifier to ONNX for @dkl/models' onnx-source tests.

Usage: export_torch_classifier.py OUT_DIR [NUM_CLASSES] [BATCH] [SIZE]
Writes OUT_DIR/teacher.onnx (NCHW float32 input 'images' of SIZE x SIZE (default 32), outputs
'logits' and 'pooled', dynamic batch), OUT_DIR/input.bin (BATCH x SIZE x SIZE x 3 float32, NHWC,
what dkl feeds) and
OUT_DIR/logits.bin / pooled.bin (PyTorch's eval-mode outputs for that input, float32).
Needs only torch (torch.onnx.export does not need the `onnx` package).
"""
import sys
import torch
from torch import nn

out_dir = sys.argv[1]
num_classes = int(sys.argv[2]) if len(sys.argv) > 2 else 10
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 6
size = int(sys.argv[4]) if len(sys.argv) > 4 else 32
torch.manual_seed(0)


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
        )
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        pooled = torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1)
        return self.fc(pooled), pooled


model = SmallNet()
# Non-trivial BatchNorm statistics, so the exported graph's normalisation matters.
for m in model.modules():
    if isinstance(m, nn.BatchNorm2d):
        m.running_mean.uniform_(-0.2, 0.2)
        m.running_var.uniform_(0.5, 1.5)
        m.weight.data.uniform_(0.5, 1.5)
        m.bias.data.uniform_(-0.1, 0.1)
model.eval()

x_nhwc = torch.rand(batch, size, size, 3)
x = x_nhwc.permute(0, 3, 1, 2).contiguous()
with torch.no_grad():
    logits, pooled = model(x)
torch.onnx.export(
    model, (x,), f"{out_dir}/teacher.onnx", input_names=["images"], output_names=["logits", "pooled"],
    dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}, "pooled": {0: "batch"}}, opset_version=13,
)
x_nhwc.numpy().astype("float32").tofile(f"{out_dir}/input.bin")
logits.numpy().astype("float32").tofile(f"{out_dir}/logits.bin")
pooled.numpy().astype("float32").tofile(f"{out_dir}/pooled.bin")
print(f"exported {out_dir}/teacher.onnx: {num_classes} classes, batch {batch}")
