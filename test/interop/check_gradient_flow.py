#!/usr/bin/env python3
"""Interop check: the gradient-flow playground against a PyTorch twin.

For each setting, `seqlab experiment gradient-flow --set ... --json` reports the gradient
norms ||dL/dh_t|| at every distance, ||dL/dW_hh|| and the step Jacobians' largest singular
values. Its PyTorch twin, the experiment's own PyTorch script (engine/export/scripts/
gradient_flow.py), draws the same weights and inputs from the same seed (SeqLab's mulberry32
generator, ported) and runs the same layer in PyTorch (float64, autograd, PyTorch's gate
order; with `layer`, LayerNorm without affine on each gate's recurrent term); this check
compares: every gradient norm and ||dL/dW_hh|| within 1e-4 relative; the largest singular
value (PyTorch: torch.linalg.matrix_norm(J, 2) of the full Jacobian from
torch.autograd.functional.jacobian; SeqLab: Lanczos, exact for a state of up to 48 numbers,
20 steps beyond) within 2e-3 relative (measured: 1e-9 or better where the singular values spread;
an orthogonal W_hh's crowd together, and there 20 steps come within about 1e-3).

Run: /usr/bin/python3 test/interop/check_gradient_flow.py   (npm run test:interop)
"""
import json
import os
import subprocess
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = [os.environ.get("NODE", "node"), os.path.join(ROOT, "dist", "cli.js")]
GRAD_TOLERANCE = 1e-4
SIGMA_TOLERANCE = 2e-3
DEFAULTS = {"cell": "rnn-tanh", "hidden": 64, "seqLen": 100, "init": "uniform", "gain": 1.0, "forgetBias": 0.0,
            "inputScale": 1.0, "normalization": "none", "clip": 0, "seed": 1}


# The PyTorch twin is the experiment's own PyTorch script (what "Open as PyTorch Script" writes):
# the same weights from the same seed, the same layer, in torch.
sys.path.insert(0, os.path.join(ROOT, "engine", "export", "scripts"))
from gradient_flow import make_step, weights  # noqa: E402
from seqlab_common import scaled_norm  # noqa: E402


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
