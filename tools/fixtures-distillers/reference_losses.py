"""Float64 PyTorch reference of mdistiller's feature distillers, for @dkl/distillers' tests.

Usage: reference_losses.py IN.json OUT.json

IN.json holds cases {loss, options, student: [tensor], teacher: [tensor], conv?: {...}} where a
tensor is {shape, data} in dkl's layout (NHWC for maps, [B, D] for vectors). For each case this
writes {loss, grads: [per student tensor, dkl layout], convGrads?} computed in float64 with the
definitions of mdistiller's distillers (AT.py, PKT.py, SP.py, RKD.py, NST.py, FitNet.py, VID.py, ReviewKD.py, CRD.py, KDSVD.py, OFD.py and
_common.py's ConvReg), written out here independently of dkl's TypeScript. `convGrads` holds the gradients of the
trainable modules (FitNet's conv weight and bias; VID's regressor weights as `<stage>.<layer>`; ReviewKD's ABF weights and CRD's embeddings by index); `state` CRD's memory banks and Z after the step.
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def to_torch(t):
    x = torch.tensor(t["data"], dtype=torch.float64).reshape(t["shape"])
    return x.permute(0, 3, 1, 2).contiguous() if x.dim() == 4 else x


def from_torch(x):
    if x.dim() == 4:
        x = x.permute(0, 2, 3, 1)
    return x.reshape(-1).tolist()


def match(fs, ft):
    sh, th = fs.shape[2], ft.shape[2]
    if sh > th:
        fs = F.adaptive_avg_pool2d(fs, (th, th))
    elif sh < th:
        ft = F.adaptive_avg_pool2d(ft, (sh, sh))
    return fs, ft


def at(fs, ft, p):
    def amap(f):
        return F.normalize(f.pow(p).mean(1).reshape(f.size(0), -1))

    total = 0
    for s, t in zip(fs, ft):
        s, t = match(s, t)
        total = total + (amap(s) - amap(t)).pow(2).mean()
    return total


def pkt(s, t, eps=1e-7):
    def dist(f):
        f = f / (torch.sqrt((f ** 2).sum(1, keepdim=True)) + eps)
        sim = (f @ f.t() + 1.0) / 2.0
        return sim / sim.sum(1, keepdim=True)

    ps, pt = dist(s), dist(t)
    return (pt * torch.log((pt + eps) / (ps + eps))).mean()


def sp(s, t):
    b = s.shape[0]

    def gram(f):
        f = f.reshape(b, -1)
        return F.normalize(f @ f.t())

    return ((gram(t) - gram(s)) ** 2).sum() / (b * b)


def pdist(e, squared, eps):
    sq = (e ** 2).sum(1)
    d = (sq.unsqueeze(1) + sq.unsqueeze(0) - 2 * e @ e.t()).clamp(min=eps)
    if not squared:
        d = d.sqrt()
    d = d.clone()
    d[range(len(e)), range(len(e))] = 0
    return d


def rkd(s, t, o):
    s = s.reshape(s.shape[0], -1)
    t = t.reshape(t.shape[0], -1)
    sq, eps = o["squared"], o["eps"]
    td = pdist(t, sq, eps)
    td = td / td[td > 0].mean()
    sd = pdist(s, sq, eps)
    sd = sd / sd[sd > 0].mean()
    loss_d = F.smooth_l1_loss(sd, td)

    def angle(e):
        diff = F.normalize(e.unsqueeze(0) - e.unsqueeze(1), p=2, dim=2)
        return torch.bmm(diff, diff.transpose(1, 2)).reshape(-1)

    loss_a = F.smooth_l1_loss(angle(s), angle(t))
    return o["distanceWeight"] * loss_d + o["angleWeight"] * loss_a


def nst(fs, ft):
    def kernel(a, b):
        return (a.unsqueeze(1) * b.unsqueeze(2)).sum(-1).pow(2)

    total = 0
    for s, t in zip(fs, ft):
        s, t = match(s, t)
        s = F.normalize(s.reshape(s.shape[0], s.shape[1], -1), dim=2)
        t = F.normalize(t.reshape(t.shape[0], t.shape[1], -1), dim=2)
        total = total + kernel(t, t).mean() + kernel(s, s).mean() - 2 * kernel(s, t).mean()
    return total


def fitnet(s, t, conv):
    """ConvReg (conv, BatchNorm2d in training mode, ReLU) then MSE; conv weights in dkl's layout."""
    w = torch.tensor(conv["weight"]["data"]).reshape(conv["weight"]["shape"])
    b = torch.tensor(conv["bias"]["data"])
    params = {"weight": w.requires_grad_(), "bias": b.requires_grad_()}
    sh, th = s.shape[2], t.shape[2]
    if sh == 2 * th:
        y = F.conv2d(s, w.permute(3, 2, 0, 1), b, stride=2, padding=1)
    elif sh * 2 == th:
        # dkl keeps transposed filters as [kh, kw, out, in]; PyTorch's ConvTranspose2d wants [in, out, kh, kw].
        y = F.conv_transpose2d(s, w.permute(3, 2, 0, 1), b, stride=2, padding=1)
    else:
        y = F.conv2d(s, w.permute(3, 2, 0, 1), b)
    y = F.relu(F.batch_norm(y, None, None, torch.ones(y.shape[1]), torch.zeros(y.shape[1]), training=True, eps=1e-5))
    return F.mse_loss(y, t), params


def vid(fs, ft, case):
    """Per stage: regressor conv1x1-ReLU-conv1x1-ReLU-conv1x1 (no bias), Gaussian NLL with softplus variance."""
    eps = case["options"]["eps"]
    params = {}
    total = 0
    for i, (s, t) in enumerate(zip(fs, ft)):
        s, t = match(s, t)
        ws = []
        for j, w in enumerate(case["regressors"][i]):
            leaf = torch.tensor(w["data"]).reshape(w["shape"]).requires_grad_()
            params[f"{i}.{j}"] = leaf
            ws.append(leaf.permute(3, 2, 0, 1))
        mean = F.conv2d(F.relu(F.conv2d(F.relu(F.conv2d(s, ws[0])), ws[1])), ws[2])
        var = torch.log(1.0 + torch.exp(torch.tensor(case["logScales"][i]))) + eps
        var = var.view(1, -1, 1, 1)
        total = total + torch.mean(0.5 * ((mean - t) ** 2 / var + torch.log(var)))
    return total, params


def reviewkd(fs, ft, case):
    """ABF fusion (deepest first) and HCL; fs = [stage1.., pooled], ft = [preact stage1.., pooled].

    `abfs` lists each ABF's weights in dkl's order and layout (deepest first): conv1 [1,1,in,mid],
    bn1 gamma/beta, conv2 [3,3,mid,out], bn2 gamma/beta, then att weight [1,1,2mid,2] and bias.
    """
    params = {}
    leaves = []
    for k, w in enumerate(case["abfWeights"]):
        leaf = torch.tensor(w["data"]).reshape(w["shape"]).requires_grad_()
        params[str(k)] = leaf
        leaves.append(leaf)
    it = iter(leaves)
    shapes, out_shapes = case["layout"]["shapes"], case["layout"]["outShapes"]

    def bn(x, gamma, beta):
        return F.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-5)

    def conv(x, w, bias=None, padding=0):
        return F.conv2d(x, w.permute(3, 2, 0, 1), bias, padding=padding)

    pooled = fs[-1]
    x = [pooled.reshape(pooled.shape[0], -1, 1, 1)] + fs[:-1][::-1]
    results = []
    res = None
    for i in range(len(shapes)):
        conv1, g1, b1, conv2, g2, b2 = [next(it) for _ in range(6)]
        h = bn(conv(x[i], conv1), g1, b1)
        if i > 0:
            aw, ab = next(it), next(it)
            n, _, hh, ww = h.shape
            y = F.interpolate(res, (shapes[i], shapes[i]), mode="nearest")
            z = torch.sigmoid(conv(torch.cat([h, y], dim=1), aw, ab))
            h = h * z[:, 0].view(n, 1, hh, ww) + y * z[:, 1].view(n, 1, hh, ww)
        if h.shape[-1] != out_shapes[i]:
            h = F.interpolate(h, (out_shapes[i], out_shapes[i]), mode="nearest")
        out = bn(conv(h, conv2, padding=1), g2, b2)
        res = h
        results.insert(0, out)
    teacher = ft[:-1] + [ft[-1].reshape(ft[-1].shape[0], -1, 1, 1)]
    total = 0
    for a, b in zip(results, teacher):
        h = a.shape[2]
        loss = F.mse_loss(a, b)
        cnt, tot = 1.0, 1.0
        for l in [4, 2, 1]:
            if l >= h:
                continue
            cnt /= 2.0
            loss = loss + F.mse_loss(F.adaptive_avg_pool2d(a, (l, l)), F.adaptive_avg_pool2d(b, (l, l))) * cnt
            tot += cnt
        total = total + loss / tot
    return total, params


def crd(fs, ft, case):
    """mdistiller's CRD.py: Embed, ContrastMemory.forward (given contrastive indices) and ContrastLoss."""
    o, c = case["options"], case["crd"]
    n_data, temp, momentum = len(c["labels"]), o["temperature"], o["momentum"]
    params = {str(i): to_torch(t).requires_grad_() for i, t in enumerate(c["embed"])}

    def embed(x, w, b):
        y = x.reshape(x.shape[0], -1) @ w + b
        return y.div(y.pow(2).sum(1, keepdim=True).pow(0.5))

    v1 = embed(fs[0], params["0"], params["1"])
    v2 = embed(ft[0], params["2"], params["3"])
    m1, m2 = to_torch(c["memoryV1"]), to_torch(c["memoryV2"])
    bsz, dim = v1.shape
    idx = torch.tensor(c["contrast"]).long()
    rows = torch.tensor(c["rows"]).long()
    cols = idx.numel() // bsz
    out_v2 = torch.exp(torch.bmm(m1.index_select(0, idx).view(bsz, cols, dim), v2.view(bsz, dim, 1)) / temp)
    out_v1 = torch.exp(torch.bmm(m2.index_select(0, idx).view(bsz, cols, dim), v1.view(bsz, dim, 1)) / temp)
    z1 = (out_v1.mean() * n_data).item()
    z2 = (out_v2.mean() * n_data).item()
    out_v1, out_v2 = out_v1 / z1, out_v2 / z2
    with torch.no_grad():
        for bank, v in ((m1, v1), (m2, v2)):
            pos = bank.index_select(0, rows) * momentum + v * (1 - momentum)
            bank.index_copy_(0, rows, pos / pos.pow(2).sum(1, keepdim=True).pow(0.5))

    def contrast(x):
        m, pn, eps = x.size(1) - 1, 1 / float(n_data), 1e-7
        pos = x.select(1, 0)
        log_d1 = torch.div(pos, pos.add(m * pn + eps)).log()
        neg = x.narrow(1, 1, m)
        log_d0 = torch.div(neg.clone().fill_(m * pn), neg.add(m * pn + eps)).log()
        return -(log_d1.sum(0) + log_d0.view(-1, 1).sum(0)) / x.shape[0]

    loss = (contrast(out_v1) + contrast(out_v2)).sum()
    state = {"memoryV1": m1.reshape(-1).tolist(), "memoryV2": m2.reshape(-1).tolist(), "normalizers": [z1, z2]}
    return loss, params, state


def kdsvd(fs, ft, k):
    """mdistiller's KDSVD.py (svd, removenan, align_rsv, kdsvd_loss). torch.svd's singular-vector
    signs are LAPACK's choice; dkl fixes each vector's largest-magnitude component positive, so the
    reference applies the same convention to torch.svd's V before anything else reads it."""

    def fixed_signs(v):
        big = v.abs().argmax(dim=1, keepdim=True)
        return v * torch.sign(torch.gather(v, 1, big))

    def svd(feat, n):
        size = feat.shape
        x = feat.reshape(size[0], size[1] * size[2], size[3])
        u, s, v = torch.svd(x)
        v = fixed_signs(torch.where(torch.isfinite(v), v, torch.zeros_like(v)))
        s = torch.where(torch.isfinite(s), s, torch.zeros_like(s))
        return F.normalize(s[:, :n], dim=1), F.normalize(v[:, :, :n], dim=1)

    def align(a, b):
        cosine = torch.matmul(a.transpose(-2, -1), b)
        best, _ = torch.max(torch.abs(cosine), 1, keepdim=True)
        mask = torch.where(torch.eq(best, torch.abs(cosine)), torch.sign(cosine), torch.zeros_like(cosine))
        return torch.matmul(a, mask)

    losses, vsb, vtb = [], None, None
    for i, (f_s, f_t) in enumerate(zip(fs, ft)):
        s_t, v_t = svd(f_t, k)
        _, v_s = svd(f_s, k + 3)
        v_s = align(v_s, v_t)
        s_t = s_t.unsqueeze(1)
        v_t, v_s = v_t * s_t, v_s * s_t
        if i > 0:
            s_rbf = torch.exp(-(v_s.unsqueeze(2) - vsb.unsqueeze(1)).pow(2) / 8)
            t_rbf = torch.exp(-(v_t.unsqueeze(2) - vtb.unsqueeze(1)).pow(2) / 8)
            l2 = (s_rbf - t_rbf.detach()).pow(2)
            losses.append(torch.where(torch.isfinite(l2), l2, torch.zeros_like(l2)).sum())
        vtb, vsb = v_t, v_s
    return sum(l / fs[0].shape[0] for l in losses)


def ofd(fs, ft, case):
    """mdistiller's OFD.py: margins from the teacher BatchNorm (scipy's norm.cdf in the reference;
    here the same CDF from libm's erfc, as Debian's python3 has no scipy), ConnectorConvBN (conv without bias + BatchNorm in training mode), feat_loss with
    the teacher pooled to the student's size, stage i weighted 1 / 2^(n - i - 1)."""
    import math

    def cdf(x):
        return 0.5 * math.erfc(-x / math.sqrt(2))

    o, c = case.get("options", {}), case["ofd"]
    params = {}
    total = 0
    n = len(fs)
    for i, (f_s, f_t) in enumerate(zip(fs, ft)):
        margin = []
        for g, b in zip(c["gamma"][i], c["beta"][i]):
            s, m = abs(g), b
            if cdf(-m / s) > 0.001:
                margin.append(-s * math.exp(-((m / s) ** 2) / 2) / math.sqrt(2 * math.pi) / cdf(-m / s) + m)
            else:
                margin.append(-3 * s)
        margin = torch.tensor(margin).view(1, -1, 1, 1)
        # Leaves in dkl's variable order and layout: filter [kh, kw, in, out], BatchNorm gamma, beta.
        wd = torch.tensor(c["conv"][i]["data"]).reshape(c["conv"][i]["shape"]).requires_grad_()
        out_c = wd.shape[3]
        gamma, beta = torch.ones(out_c, requires_grad=True), torch.zeros(out_c, requires_grad=True)
        params.update({str(3 * i): wd, str(3 * i + 1): gamma, str(3 * i + 2): beta})
        k = wd.shape[0]
        y = F.conv2d(f_s, wd.permute(3, 2, 0, 1), padding=(k - 1) // 2)
        y = F.batch_norm(y, None, None, gamma, beta, training=True, eps=1e-5)
        t = F.adaptive_avg_pool2d(f_t, y.shape[-2:])
        loss = (
            (y - margin) ** 2 * ((y > margin) & (t <= margin)).double()
            + (y - t) ** 2 * ((y > t) & (t > margin) & (t <= 0)).double()
            + (y - t) ** 2 * (t > 0).double()
        )
        total = total + torch.abs(loss).mean(dim=0).sum() / 2 ** (n - i - 1)
    return total, params


def main():
    cases = json.load(open(sys.argv[1]))
    out = []
    for case in cases:
        fs = [to_torch(x).requires_grad_() for x in case["student"]]
        ft = [to_torch(x) for x in case["teacher"]]
        o = case.get("options", {})
        name = case["loss"]
        extra, state = {}, None
        if name == "at":
            loss = at(fs, ft, o.get("p", 2))
        elif name == "pkt":
            loss = pkt(fs[0], ft[0])
        elif name == "sp":
            loss = sp(fs[0], ft[0])
        elif name == "rkd":
            loss = rkd(fs[0], ft[0], o)
        elif name == "nst":
            loss = nst(fs, ft)
        elif name == "fitnet":
            loss, extra = fitnet(fs[0], ft[0], case["conv"])
        elif name == "vid":
            loss, extra = vid(fs, ft, case)
        elif name == "reviewkd":
            loss, extra = reviewkd(fs, ft, case)
        elif name == "ofd":
            loss, extra = ofd(fs, ft, case)
        elif name == "kdsvd":
            loss = kdsvd(fs, ft, o.get("k", 1))
        elif name == "crd":
            loss, extra, state = crd(fs, ft, case)
        else:
            raise SystemExit(f"unknown loss {name}")
        loss.backward()
        result = {"loss": loss.item(), "grads": [from_torch(f.grad) for f in fs]}
        if extra:
            result["convGrads"] = {k: v.grad.reshape(-1).tolist() for k, v in extra.items()}
        if state:
            result["state"] = state
        out.append(result)
    json.dump(out, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
