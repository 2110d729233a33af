#!/usr/bin/env python3
"""SeqLab's experiment "gradient-flow" in plain PyTorch: one recurrent layer at initialisation,
and the gradient of a loss at its last step on the way back.

The layer (rnn-tanh, rnn-sigmoid, rnn-relu, lstm or gru; `hidden` units, inputs of 16 numbers)
gets SeqLab's weights for the seed: W_ih, W_hh and the biases U(-1/sqrt(hidden), 1/sqrt(hidden))
as PyTorch draws them, then W_hh replaced by an orthogonal or identity matrix per gate when
`init` says so, scaled by `gain`; the LSTM's forget-gate bias raised by `forgetBias`. It reads
`seqLen` random inputs (scaled by `inputScale`) from h_0 = 0. The loss is L = u . h_T for a
random unit vector u, and autograd gives ||dL/dh_t|| at every distance T - t, ||dL/dW_hh||, and
(torch.autograd.functional.jacobian) the largest singular value of each step's Jacobian.
Everything is float64, as SeqLab computes this experiment: the numbers agree to about 1e-14.

Run:  python3 gradient_flow.py                  (the settings it was exported with)
      python3 gradient_flow.py --cell lstm --forget-bias 2 --seq-len 200
      python3 gradient_flow.py --help
"""
from seqlab_common import *  # noqa: F401,F403  (SeqLab's generators and measures; written in on export)

SETTINGS = {"cell": "rnn-tanh", "hidden": 64, "seqLen": 100, "init": "uniform", "gain": 1.0, "forgetBias": 0.0,
            "inputScale": 1.0, "normalization": "none", "clip": 0.0, "seeds": 1, "seed": 1}
# The settings SeqLab exported this script with (the defaults of its options); SETTINGS gives their types.
EXPORTED = {}
HINTS = {"cell": "rnn-tanh, rnn-sigmoid, rnn-relu, lstm or gru", "hidden": "hidden units", "seqLen": "steps",
         "init": "W_hh: uniform (PyTorch's), orthogonal or identity", "gain": "W_hh is multiplied by this",
         "forgetBias": "added to the LSTM's forget-gate bias", "inputScale": "the inputs are N(0, 1) times this",
         "normalization": "none, or layer (LayerNorm without affine on each gate's recurrent term)",
         "clip": "a gradient-norm threshold: reports how much an update would be scaled (0 = off)",
         "seeds": "how many seeds", "seed": "the first seed"}
INPUT_SIZE = 16
JACOBIAN_POINTS = 40


def gates_of(cell):
    return 4 if cell == "lstm" else 3 if cell == "gru" else 1


def weights(s):
    """flowWeights: the same draws in the same order."""
    rng = Random(s["seed"])
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



def run_one(s):
    w_ih, w_hh, b_ih, b_hh, x, u = weights(s)
    w_hh.requires_grad_(True)
    step = make_step(s, w_ih, w_hh, b_ih, b_hh)
    H, T = s["hidden"], s["seqLen"]
    h = torch.zeros(H, dtype=torch.float64)
    c = torch.zeros(H, dtype=torch.float64)
    hs, states = [], []
    for t in range(T):
        states.append((h.detach().clone(), c.detach().clone()))
        h, c = step(h, c, x[t])
        h.retain_grad()
        hs.append(h)
    torch.dot(u, hs[-1]).backward()
    grad_norm = [scaled_norm(hs[T - 1 - d].grad) for d in range(T)]
    stride = max(1, math.ceil(T / JACOBIAN_POINTS))
    jacobian_steps = list(range(0, T, stride))
    jacobian_norm = []
    for t in jacobian_steps:
        h0, c0 = states[t]
        if s["cell"] == "lstm":
            J = torch.autograd.functional.jacobian(lambda hc: torch.cat(step(hc[:H], hc[H:], x[t])), torch.cat([h0, c0]))
        else:
            J = torch.autograd.functional.jacobian(lambda hh: step(hh, c0, x[t])[0], h0)
        jacobian_norm.append(torch.linalg.matrix_norm(J.detach(), 2).item())
    weight_grad_norm = torch.linalg.norm(w_hh.grad).item()
    return {"seed": s["seed"], "gradNorm": grad_norm, "weightGradNorm": weight_grad_norm, "jacobianSteps": jacobian_steps,
            "jacobianNorm": jacobian_norm, "decayPerStep": decay_per_step(grad_norm, min(T - 1, 50))}


def main(argv=None):
    parser = settings_parser(__doc__.split("\n\n")[0], SETTINGS, HINTS, EXPORTED)
    s, as_json = parse_settings(parser, SETTINGS, argv)
    torch.set_default_dtype(torch.float64)
    runs = [run_one({**s, "seed": seed}) for seed in range(s["seed"], s["seed"] + s["seeds"])]
    if as_json:
        print(json.dumps({"experiment": "gradient-flow", "settings": s, "runs": runs}))
        return
    first = runs[0]
    at = lambda d: first["gradNorm"][min(d, len(first["gradNorm"]) - 1)]
    rows = [["quantity", "value"],
            ["decay per step (exp of the log-linear slope over the first 50 steps)", sig3(first["decayPerStep"])],
            ["||dL/dh|| 10 steps back", sig3(at(10))],
            ["||dL/dh|| 30 steps back", sig3(at(30))],
            ["mean largest singular value of the step Jacobian", sig3(sum(first["jacobianNorm"]) / len(first["jacobianNorm"]))],
            ["||dL/dW_hh||", sig3(first["weightGradNorm"])]]
    if s["clip"] > 0:
        rows.append([f"update scaled by clipping at {s['clip']}", sig3(min(1, s["clip"] / first["weightGradNorm"]))])
    if len(runs) > 1:
        decays = [r["decayPerStep"] for r in runs]
        rows.append([f"decay per step over {len(runs)} seeds (mean, range)", f"{sig3(sum(decays) / len(decays))} ({sig3(min(decays))}–{sig3(max(decays))})"])
    print(f"{s['cell']}, hidden {s['hidden']}, length {s['seqLen']}, seed {s['seed']}:")
    print_table(rows)


if __name__ == "__main__":
    main()
