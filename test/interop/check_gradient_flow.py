#!/usr/bin/env python3
"""Interop check: the gradient-flow playground against a PyTorch twin.

For each setting, `seqlab experiment gradient-flow --set ... --json` reports the gradient
norms ||dL/dh_t|| at every distance, ||dL/dW_hh|| and the step Jacobians' largest singular
values. This script draws the same weights and inputs from the same seed (SeqLab's
mulberry32 generator, ported), runs the same layer in PyTorch (float64, autograd, PyTorch's
gate order; with `layer`, LayerNorm without affine on each gate's recurrent term), and
compares: every gradient norm and ||dL/dW_hh|| within 1e-4 relative; the largest singular
value (PyTorch: torch.linalg.matrix_norm(J, 2) of the full Jacobian from
torch.autograd.functional.jacobian; SeqLab: Lanczos, exact for a state of up to 48 numbers,
20 steps beyond) within 2e-3 relative (measured: 1e-9 or better where the singular values spread;
an orthogonal W_hh's crowd together, and there 20 steps come within about 1e-3).

Run: /usr/bin/python3 test/interop/check_gradient_flow.py   (npm run test:interop)
"""
import json
import math
import os
import subprocess
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = [os.environ.get("NODE", "node"), os.path.join(ROOT, "dist", "cli.js")]
GRAD_TOLERANCE = 1e-4
SIGMA_TOLERANCE = 2e-3
INPUT_SIZE = 16  # gradientFlowMath.ts's FLOW_INPUT_SIZE
DEFAULTS = {"cell": "rnn-tanh", "hidden": 64, "seqLen": 100, "init": "uniform", "gain": 1.0, "forgetBias": 0.0,
            "inputScale": 1.0, "normalization": "none", "clip": 0, "seed": 1}


class Mulberry32:
    """engine/core/random.ts, bit for bit."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def next(self):
        self.state = (self.state + 0x6D2B79F5) & 0xFFFFFFFF
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    def normal(self):
        return math.sqrt(-2 * math.log(1 - self.next())) * math.cos(2 * math.pi * self.next())


def gates_of(cell):
    return 4 if cell == "lstm" else 3 if cell == "gru" else 1


def weights(s):
    """flowWeights: the same draws in the same order."""
    rng = Mulberry32(s["seed"])
    H, G, I = s["hidden"], gates_of(s["cell"]), INPUT_SIZE
    k = 1 / math.sqrt(H)
    uniform = lambda n: [(2 * rng.next() - 1) * k for _ in range(n)]
    w_ih = torch.tensor(uniform(G * H * I), dtype=torch.float64).reshape(G * H, I)
    w_hh = torch.tensor(uniform(G * H * H), dtype=torch.float64).reshape(G * H, H)
    b_ih = torch.tensor(uniform(G * H), dtype=torch.float64)
    b_hh = torch.tensor(uniform(G * H), dtype=torch.float64)
    if s["init"] != "uniform":
        blocks = []
        for _ in range(G):
            if s["init"] == "identity":
                blocks.append(torch.eye(H, dtype=torch.float64))
                continue
            m = torch.tensor([rng.normal() for _ in range(H * H)], dtype=torch.float64).reshape(H, H)
            for i in range(H):  # modified Gram-Schmidt on the rows, as orthogonalBlock
                for j in range(i):
                    m[i] -= torch.dot(m[i], m[j]) * m[j]
                m[i] /= torch.sqrt(torch.sum(m[i] * m[i]))
            blocks.append(m)
        w_hh = torch.cat(blocks)
    w_hh = w_hh * s["gain"]
    if s["cell"] == "lstm":
        b_ih[H:2 * H] += s["forgetBias"]
    x = torch.tensor([rng.normal() * s["inputScale"] for _ in range(s["seqLen"] * I)], dtype=torch.float64).reshape(s["seqLen"], I)
    u = torch.tensor([rng.normal() for _ in range(H)], dtype=torch.float64)
    u = u / torch.linalg.norm(u)
    return w_ih, w_hh, b_ih, b_hh, x, u


def make_step(s, w_ih, w_hh, b_ih, b_hh):
    """One step of the cell as a function of the state (h, c) and x_t; PyTorch's equations."""
    H, G, cell = s["hidden"], gates_of(s["cell"]), s["cell"]

    def rec_term(h):
        r = (w_hh @ h).reshape(G, H)
        if s["normalization"] == "layer":
            r = torch.nn.functional.layer_norm(r, (H,), eps=1e-5)
        return r.reshape(G * H)

    def step(h, c, x):
        a_in = w_ih @ x + b_ih
        rec = rec_term(h)
        if cell == "lstm":
            a = a_in + b_hh + rec
            i, f, g, o = torch.sigmoid(a[:H]), torch.sigmoid(a[H:2 * H]), torch.tanh(a[2 * H:3 * H]), torch.sigmoid(a[3 * H:])
            c2 = f * c + i * g
            step.forget_gates.append(f.detach())
            return o * torch.tanh(c2), c2
        if cell == "gru":
            r = torch.sigmoid(a_in[:H] + rec[:H] + b_hh[:H])
            z = torch.sigmoid(a_in[H:2 * H] + rec[H:2 * H] + b_hh[H:2 * H])
            n = torch.tanh(a_in[2 * H:] + r * (rec[2 * H:] + b_hh[2 * H:]))
            return (1 - z) * n + z * h, c
        a = a_in + b_hh + rec
        act = torch.tanh if cell == "rnn-tanh" else torch.sigmoid if cell == "rnn-sigmoid" else torch.relu
        return act(a), c

    step.forget_gates = []  # the LSTM's f at each step of the forward pass (for the belt)
    return step


def scaled_norm(g):
    """The 2-norm scaled by the largest entry first: torch.linalg.norm squares as it is, and in float64
    the squares of entries below ~1e-154 fall into denormals (SeqLab scales, as it does in float32)."""
    m = g.abs().max()
    return 0.0 if m == 0 else (m * torch.linalg.norm(g / m)).item()


def check(overrides):
    s = {**DEFAULTS, **overrides}
    args = [a for k, v in overrides.items() for a in ("--set", f"{k}={v}")]
    out = subprocess.run(CLI + ["experiment", "gradient-flow", *args, "--json"], capture_output=True, text=True, check=True)
    reported = json.loads(out.stdout.strip().splitlines()[-1])
    result = reported["output"]["result"] if "output" in reported else reported["result"]
    w_ih, w_hh, b_ih, b_hh, x, u = weights(s)
    w_hh.requires_grad_(True)
    step = make_step(s, w_ih, w_hh, b_ih, b_hh)
    H = s["hidden"]
    h = torch.zeros(H, dtype=torch.float64)
    c = torch.zeros(H, dtype=torch.float64)
    hs, cs, states = [], [], []
    for t in range(s["seqLen"]):
        states.append((h.detach().clone(), c.detach().clone()))
        h, c = step(h, c, x[t])
        h.retain_grad()
        hs.append(h)
        if s["cell"] == "lstm":
            c.retain_grad()
            cs.append(c)
    forget_gates = list(step.forget_gates)
    loss = torch.dot(u, hs[-1])
    loss.backward()
    T = s["seqLen"]
    worst = 0.0
    for d in range(T):
        theirs = scaled_norm(hs[T - 1 - d].grad)
        ours = result["gradNorm"][d]
        rel = abs(ours - theirs) / max(abs(theirs), 1e-300)
        worst = max(worst, rel)
        assert rel < GRAD_TOLERANCE, (overrides, d, ours, theirs)
    # The LSTM: dL/dc_t from autograd, and the part that rode the cell state alone: dL/dc_T times the later forget gates.
    cell_worst = 0.0
    if s["cell"] == "lstm":
        belt = cs[T - 1].grad.clone()
        for d in range(T):
            if d > 0:
                belt = belt * forget_gates[T - d]
            for name, theirs, ours in (("dL/dc_t", scaled_norm(cs[T - 1 - d].grad), result["cellGradNorm"][d]), ("belt", scaled_norm(belt), result["beltGradNorm"][d])):
                rel = abs(ours - theirs) / max(abs(theirs), 1e-300)
                cell_worst = max(cell_worst, rel)
                assert rel < GRAD_TOLERANCE, (overrides, name, d, ours, theirs)
    w_rel = abs(result["weightGradNorm"] - torch.linalg.norm(w_hh.grad).item()) / torch.linalg.norm(w_hh.grad).item()
    assert w_rel < GRAD_TOLERANCE, (overrides, "dL/dW_hh", result["weightGradNorm"], torch.linalg.norm(w_hh.grad).item())
    # The largest singular value at a few of the measured steps: the whole Jacobian in PyTorch.
    sigma_worst = 0.0
    steps = result["jacobianSteps"]
    for k in sorted({0, len(steps) // 2, len(steps) - 1}):
        t = steps[k]
        h0, c0 = states[t]
        if s["cell"] == "lstm":
            f = lambda hc: torch.cat(step(hc[:H], hc[H:], x[t]))
            J = torch.autograd.functional.jacobian(f, torch.cat([h0, c0]))
        else:
            J = torch.autograd.functional.jacobian(lambda hh: step(hh, c0, x[t])[0], h0)
        theirs = torch.linalg.matrix_norm(J.detach(), 2).item()
        ours = result["jacobianNorm"][k]
        rel = abs(ours - theirs) / max(theirs, 1e-300)
        sigma_worst = max(sigma_worst, rel)
        assert rel < SIGMA_TOLERANCE, (overrides, "sigma at", t, ours, theirs)
    print(f"gradient-flow {json.dumps(overrides)}: {T} gradient norms within {worst:.1e} relative (down to {min(result['gradNorm']):.2e}); "
          f"||dL/dW_hh|| within {w_rel:.1e}; largest singular value within {sigma_worst:.1e}"
          + (f"; dL/dc_t and the cell state alone within {cell_worst:.1e}" if s["cell"] == "lstm" else "")
          + f"; computed in {result['seconds'] * 1000:.0f} ms")


CASES = [
    {"cell": "rnn-tanh"}, {"cell": "rnn-sigmoid"}, {"cell": "rnn-relu"}, {"cell": "lstm"}, {"cell": "gru"},
    {"cell": "lstm", "forgetBias": 2, "normalization": "layer"},
    {"cell": "rnn-tanh", "init": "orthogonal", "gain": 1.5, "hidden": 32},
    {"cell": "rnn-tanh", "init": "orthogonal", "gain": 1.2},
    {"cell": "rnn-relu", "init": "identity", "seqLen": 40, "inputScale": 0.5},
    {"cell": "gru", "normalization": "layer", "hidden": 16, "seqLen": 200},
    {"cell": "rnn-sigmoid", "seqLen": 300},
    {"cell": "rnn-tanh", "hidden": 256, "seqLen": 300},
]

if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    for case in CASES:
        check(case)
    print("gradient-flow: the playground matches its PyTorch twin")
    sys.exit(0)
