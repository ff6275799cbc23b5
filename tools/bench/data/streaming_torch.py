"""PyTorch side of streaming-bench.mjs: torchvision ImageFolder + DataLoader over the same JPEGs
with RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize.

    python3 streaming_torch.py --dir DIR --workers W --batch 64 --images N

Prints one JSON line: images/s over N images (after one warm-up batch), CPU milliseconds per image
(this process and its DataLoader workers, user + system) and the peak RSS (MB) of this process
plus its workers.
"""
import argparse
import json
import resource
import time

import torch
from torchvision import datasets, transforms

p = argparse.ArgumentParser()
p.add_argument('--dir', required=True)
p.add_argument('--workers', type=int, default=0)
p.add_argument('--batch', type=int, default=64)
p.add_argument('--images', type=int, default=2000)
p.add_argument('--threads', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
tf = transforms.Compose([
    transforms.RandomResizedCrop(224),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
])
ds = datasets.ImageFolder(a.dir, tf)
loader = torch.utils.data.DataLoader(ds, batch_size=a.batch, shuffle=True, num_workers=a.workers, drop_last=False)
it = iter(loader)
next(it)  # warm-up: worker start, first decode
count = 0
t0 = time.perf_counter()
def cpu_seconds():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
c0 = cpu_seconds()
while count < a.images:
    try:
        x, y = next(it)
    except StopIteration:
        it = iter(loader)
        continue
    count += x.shape[0]
seconds = time.perf_counter() - t0
# Children's CPU is only counted once they exit (RUSAGE_CHILDREN): stop the workers first.
del it
cpu = cpu_seconds() - c0
peak_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
print(json.dumps({'imagesPerSec': count / seconds, 'cpuMsPerImage': 1000 * cpu / count, 'peakMb': peak_mb, 'torch': torch.__version__}))
