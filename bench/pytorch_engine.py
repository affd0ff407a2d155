#!/usr/bin/env python3
"""The peer engine for `npm run bench -- engine`: the zoo's models in PyTorch CPU, one thread.

Each model mirrors the forward pass of libs/models/src/network.ts on the shapes the engine bench
passes (tables as it scales them): nn.EmbeddingBag per table (mode = the table's pooling; a table
that keeps its lookups apart, DIN's behaviours, is an nn.Embedding), nn.Linear stacks with the
same activations, and the same interactions, attention and recurrences. Weights and inputs are
random (seeded); only the time is of interest.

Two ways to run it (torch and the standard library only):

  python3 bench/pytorch_engine.py SPEC.json        # or the spec on stdin: every model, every batch
  python3 bench/pytorch_engine.py --serve SPEC.json  # one model; then one command per stdin line

SPEC is {"models": [MODEL, ...], "batches": [64, 256], "point_s": 0.5, "seed": 1} (batch mode)
or a single MODEL (serve mode), where MODEL is
  {"name": "rmc1", "dense_dim": 128, "tables": [{"name", "rows", "dim", "lookups", "pooling"}],
   "arch": {... as ZOO_SPECS[name].arch ...}, "seed": 1}.
Serve mode prints {"ready": true, ...} once the model is built, then answers each line
  {"op": "point", "batch": 64, "seconds": 0.5}          -> one point line (as batch mode prints)
  {"op": "bag", "batch": 256, "batches": 16, "reps": 2}  -> the embedding bags alone, GB/s
Point lines: {"model", "batch", "samples_per_s" (batch / median call), "mean_samples_per_s",
"p50_ms", "p99_ms", "calls", "torch", "threads"}.

Debian's python3-torch (1.13.1 on bookworm) calls the system BLAS for nn.Linear: with only the
netlib reference libblas3 it runs ~3 GFLOP/s; install libopenblas0-pthread. The "blas" field of
the ready line names the BLAS library this process actually loaded.
"""
import json
import math
import os
import sys
import time

# One core: torch's own pools and any BLAS/OpenMP pool underneath it. Set before torch loads.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import torch  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
torch.set_num_interop_threads(1)


def mlp(widths, last):
    """A stack widths[0] -> ... -> widths[-1]: ReLU between layers, `last` ('relu'|'linear') at the end."""
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2 or last == "relu":
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Tables(nn.Module):
    """One bag per table: [batch, lookups] ids -> [batch, dim] (pooled) or [batch, lookups, dim]."""

    def __init__(self, tables, gen):
        super().__init__()
        self.specs = tables
        mods = []
        for t in tables:
            weight = torch.empty(t["rows"], t["dim"]).uniform_(-0.05, 0.05, generator=gen)
            if t["pooling"] == "none":
                mods.append(nn.Embedding(t["rows"], t["dim"], _weight=weight))
            else:  # 'sum' (every zoo table that pools) or 'mean'
                mods.append(nn.EmbeddingBag(t["rows"], t["dim"], mode=t["pooling"], _weight=weight))
        self.bags = nn.ModuleList(mods)

    def forward(self, ids):
        return [bag(i) for bag, i in zip(self.bags, ids)]


class Dlrm(nn.Module):
    """RMC1-3: bottom MLP on the dense features, concatenation with the pooled embeddings, top MLP."""

    def __init__(self, a, names):
        super().__init__()
        self.bottom = mlp(a["bottom"], "relu")
        self.top = mlp(a["top"], "linear")

    def forward(self, dense, e):
        return torch.sigmoid(self.top(torch.cat([self.bottom(dense)] + e, 1))).view(-1)


class Ncf(nn.Module):
    """NeuMF: user_mf * item_mf beside an MLP over concat(user_mlp, item_mlp), then the top MLP."""

    def __init__(self, a, names):
        super().__init__()
        self.mf = [names.index(t) for t in a["mfTables"]]
        self.mlp_in = [names.index(t) for t in a["mlpTables"]]
        self.mlp = mlp(a["mlp"], "relu")
        self.top = mlp(a["top"], "linear")

    def forward(self, dense, e):
        mf = e[self.mf[0]] * e[self.mf[1]]
        m = self.mlp(torch.cat([e[self.mlp_in[0]], e[self.mlp_in[1]]], 1))
        return torch.sigmoid(self.top(torch.cat([mf, m], 1))).view(-1)


class Wnd(nn.Module):
    """Wide & Deep: sigmoid(linear(dense) + deep MLP(concat(dense, embeddings)))."""

    def __init__(self, a, names):
        super().__init__()
        self.wide = mlp(a["wide"], "linear")
        self.deep = mlp(a["deep"], "linear")

    def forward(self, dense, e):
        return torch.sigmoid(self.wide(dense) + self.deep(torch.cat([dense] + e, 1))).view(-1)


class Mtwnd(nn.Module):
    """Multi-task W&D: shared ReLU layers, one tower (+ a wide unit) per task, mean of the task sigmoids."""

    def __init__(self, a, names):
        super().__init__()
        self.wide = mlp(a["wide"], "linear")
        self.shared = mlp(a["shared"], "relu")
        self.towers = nn.ModuleList([mlp(a["tower"], "linear") for _ in range(a["tasks"])])

    def forward(self, dense, e):
        shared = self.shared(torch.cat([dense] + e, 1))
        logits = torch.cat([t(shared) for t in self.towers], 1) + self.wide(dense)
        return torch.sigmoid(logits).mean(1)


class Din(nn.Module):
    """DIN: an attention MLP weighs each behaviour against the candidate ad (unnormalised), then the top MLP."""

    def __init__(self, a, names):
        super().__init__()
        self.beh = names.index(a["behaviourTable"])
        self.ad = names.index(a["candidateTable"])
        self.pooled = [names.index(t) for t in a["pooledTables"]]
        self.attention = mlp(a["attention"], "linear")
        self.top = mlp(a["top"], "linear")

    def forward(self, dense, e):
        seq = e[self.beh]  # [b, n, d]
        b, n, d = seq.shape
        ad = e[self.ad]
        ad_all = ad.unsqueeze(1).expand(b, n, d)
        unit_in = torch.cat([seq, ad_all, seq * ad_all], 2).reshape(b * n, 3 * d)
        weights = self.attention(unit_in).view(b, n, 1)
        interest = (seq * weights).sum(1)
        parts = [e[i] for i in self.pooled]
        # Top input order as network.ts: the first pooled table (profile), interest, the others.
        logits = self.top(torch.cat([parts[0], interest] + parts[1:], 1))
        return F.softmax(logits, 1)[:, 1]


class Dien(nn.Module):
    """DIEN: a GRU over the behaviour steps, attention of each state on the target item, an AUGRU.

    The first layer is nn.GRU (what a PyTorch user would write). Its state update is
    h' = (1 - z) n + z h where network.ts writes h + u (n - h): the same function with u = 1 - z,
    and the same cost. The AUGRU is the usual hand-written loop: the input projections of all
    steps in one product, then per step the recurrent product and the gates, the update gate
    scaled by the step's attention score.
    """

    def __init__(self, a, names):
        super().__init__()
        self.seq = [names.index(t) for t in a["sequenceTables"]]
        self.target = names.index(a["targetTable"])
        self.profile = [names.index(t) for t in a["profileTables"]]
        h = a["hidden"]
        self.hidden = h
        self.gru = nn.GRU(a["inputDim"], h)
        self.query = nn.Linear(a["inputDim"], h)
        self.aug_ih = nn.Linear(h, 3 * h)
        self.aug_hh = nn.Linear(h, 3 * h)
        self.top = mlp(a["top"], "linear")

    def forward(self, dense, e):
        xs = torch.stack([e[i] for i in self.seq], 0)  # time-major [steps, b, d]
        steps, b, _ = xs.shape
        states, _ = self.gru(xs)  # [steps, b, h]
        query = self.query(e[self.target])  # [b, h]
        att = F.softmax((states * query).sum(2), 0).unsqueeze(2)  # softmax over steps: [steps, b, 1]
        gi = self.aug_ih(states.reshape(steps * b, self.hidden)).view(steps, b, 3 * self.hidden)
        h = torch.zeros(b, self.hidden)
        for t in range(steps):
            i_r, i_z, i_n = gi[t].chunk(3, 1)
            h_r, h_z, h_n = self.aug_hh(h).chunk(3, 1)
            r = torch.sigmoid(i_r + h_r)
            u = att[t] * torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)
            h = h + u * (n - h)
        logits = self.top(torch.cat([e[i] for i in self.profile] + [h], 1))
        return F.softmax(logits, 1)[:, 1]


FAMILIES = {"dlrm": Dlrm, "ncf": Ncf, "wnd": Wnd, "mtwnd": Mtwnd, "din": Din, "dien": Dien}


class Model(nn.Module):
    def __init__(self, spec):
        super().__init__()
        gen = torch.Generator().manual_seed(int(spec.get("seed", 1)))
        torch.manual_seed(int(spec.get("seed", 1)))  # nn.Linear's own initialisation
        self.spec = spec
        self.tables = Tables(spec["tables"], gen)
        names = [t["name"] for t in spec["tables"]]
        self.net = FAMILIES[spec["arch"]["family"]](spec["arch"], names)

    def forward(self, dense, ids):
        return self.net(dense, self.tables(ids))

    def batch(self, n, seed):
        """Random inputs for n items, as randomBatch: dense features uniform in [-1, 1), ids uniform per table."""
        gen = torch.Generator().manual_seed(seed)
        dense = torch.rand(n, self.spec["dense_dim"], generator=gen) * 2 - 1 if self.spec["dense_dim"] else None
        ids = [torch.randint(t["rows"], (n, t["lookups"]), generator=gen) for t in self.spec["tables"]]
        return dense, ids


def timed(fn, seconds, min_calls, warm):
    """fn(i) back to back for about `seconds` (at least min_calls, at most 20,000) after `warm` calls: sorted ms."""
    for i in range(warm):
        fn(i)
    times = []
    end = time.perf_counter() + seconds
    i = 0
    while len(times) < min_calls or (time.perf_counter() < end and len(times) < 20000):
        t = time.perf_counter_ns()
        fn(i)
        times.append((time.perf_counter_ns() - t) / 1e6)
        i += 1
    return sorted(times)


def quantile(sorted_xs, q):
    """Nearest rank, ceil(q * n), as @hera/stats quantileSorted (the TS side's figures)."""
    return sorted_xs[max(0, math.ceil(q * len(sorted_xs)) - 1)]


def point(model, n, seconds):
    """Whole forward passes at batch n: 8 input batches made beforehand, used in turn (as the TS bench)."""
    batches = [model.batch(n, 1000 * n + i) for i in range(8)]
    with torch.inference_mode():
        times = timed(lambda i: model(*batches[i % 8]), seconds, 5, 3)
    p50 = quantile(times, 0.5)
    return {
        "model": model.spec["name"],
        "batch": n,
        "samples_per_s": n / (p50 / 1000),
        "mean_samples_per_s": n * len(times) / (sum(times) / 1000),
        "p50_ms": p50,
        "p99_ms": quantile(times, 0.99),
        "calls": len(times),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }


def bag(model, n, count, reps):
    """The embedding bags alone: best of `reps` passes over `count` fresh batches of n; GB/s of rows read."""
    batches = [model.batch(n, 90000 + i)[1] for i in range(count)]
    per_item = sum(t["lookups"] * t["dim"] * 4 for t in model.spec["tables"])
    with torch.inference_mode():
        best = min(timed(lambda _: [model.tables(ids) for ids in batches], 0, reps, 1))
    return {"model": model.spec["name"], "batch": n, "bag_gbs": count * n * per_item / best / 1e6}


def blas_library():
    """The BLAS shared object this process loaded (after a matmul), from /proc/self/maps."""
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        return ", ".join(sorted(os.path.basename(p) for p in libs)) or "none found"
    except OSError:
        return "unknown"


def build(spec):
    t = time.perf_counter()
    model = Model(spec).eval()
    table_bytes = sum(t_["rows"] * t_["dim"] * 4 for t_ in spec["tables"])
    return model, table_bytes, time.perf_counter() - t


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve(spec):
    model, table_bytes, secs = build(spec)
    emit({"ready": True, "model": spec["name"], "table_bytes": table_bytes, "build_s": secs,
          "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_library()})
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        if cmd["op"] == "point":
            emit(point(model, int(cmd["batch"]), float(cmd["seconds"])))
        elif cmd["op"] == "bag":
            emit(bag(model, int(cmd["batch"]), int(cmd["batches"]), int(cmd["reps"])))
        else:
            emit({"error": "unknown op %r" % cmd["op"]})


def main(argv):
    if argv and argv[0] == "--serve":
        with open(argv[1]) as f:
            serve(json.load(f))
        return
    spec = json.load(open(argv[0]) if argv else sys.stdin)
    for m in spec["models"]:
        m.setdefault("seed", spec.get("seed", 1))
        model, _, _ = build(m)
        for n in spec.get("batches", [64, 256]):
            emit(point(model, n, float(spec.get("point_s", 0.5))))
        del model


if __name__ == "__main__":
    main(sys.argv[1:])
