#!/usr/bin/env python3
"""SeqLab's experiment "long-range-memory" in plain PyTorch: the adding problem (Hochreiter &
Schmidhuber 1997; Le et al. 2015), memory across a whole sequence.

Each input step carries a random number in [0, 1) and a marker; two steps are marked, one in each
half, and the target is the sum of their numbers. Always predicting 1 scores an MSE of 1/6 = 0.167;
doing better needs memory across the sequence. The cells: a tanh RNN, an IRNN (a ReLU RNN with
identity recurrent weights and zero biases, W_ih x 0.1, with its own smaller learning rate),
tanh RNNs with layer norm (ln-rnn) and recurrent batch norm (bn-rnn) of their pre-activations
(written out below: torch.nn has none), an LSTM with forget-gate bias 1 and a GRU, each one layer
of `hidden` units read at its last state by a linear head, trained with Adam (gradients clipped
at `clipNorm`). A run that averages an MSE
below `solvedBelow` over 25 steps has solved the task and stops. The table is SeqLab's: the MSE on
a held-out batch of 512, and in how many seeds the training MSE (over 25 steps) went below 0.05.

Same seed, same numbers as SeqLab: its weights and batches are drawn with its own generators
(below); float order makes the MSEs differ by about 1e-5 at first, more after hundreds of steps.

Run:  python3 long_range_memory.py              (the settings it was exported with)
      python3 long_range_memory.py --cells gru,lstm --lengths 50 --seeds 1
      python3 long_range_memory.py --help
"""
import struct
import time

from seqlab_common import *  # noqa: F401,F403  (SeqLab's generators; written in on export)

SETTINGS = {"cells": ["rnn-tanh", "irnn", "lstm", "gru"], "lengths": [100], "hidden": 32, "batch": 64, "steps": 800, "learningRate": 3e-2,
            "irnnLearningRate": 1e-3, "normalizedLearningRate": 3e-3, "clipNorm": 1.0, "solvedBelow": 0.01, "seeds": 3, "seed": 1}
# The settings SeqLab exported this script with (the defaults of its options); SETTINGS gives their types.
EXPORTED = {}
HINTS = {"cells": "rnn-tanh, irnn, ln-rnn, bn-rnn, lstm, gru", "lengths": "sequence lengths", "hidden": "hidden units", "batch": "sequences per step",
         "steps": "the most training steps", "learningRate": "Adam's learning rate (the gated cells and the tanh RNN)",
         "irnnLearningRate": "the IRNN's learning rate", "normalizedLearningRate": "the learning rate of ln-rnn and bn-rnn", "clipNorm": "gradient-norm clipping (0 = off)",
         "solvedBelow": "a run whose training MSE over 25 steps is below this stops (0 = never)", "seeds": "how many seeds", "seed": "the first seed"}
CROSSING = 0.05


def f32(x):
    """x rounded to float32, as SeqLab's Float32Array stores it."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def adding_batch(T, N, rng):
    """x (T, N, 2) time first and y (N, 1), drawn as SeqLab draws them."""
    x = [[[0.0, 0.0] for _ in range(N)] for _ in range(T)]
    y = [0.0] * N
    half = T // 2
    for n in range(N):
        a = rng.int(half)
        b = half + rng.int(T - half)
        for t in range(T):
            v = rng.next()
            x[t][n][0] = v
            if t == a or t == b:
                x[t][n][1] = 1.0
                y[n] = f32(y[n] + v)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32).reshape(N, 1)


class NormalizedRNN(nn.Module):
    """A one-layer tanh RNN with its pre-activations normalised, SeqLab's equations (torch.nn has
    none), stepped through time as the chapter writes the loop:

        h_t = tanh(norm_ih(W_ih x_t) + b_ih + norm_hh(W_hh h_{t-1}) + b_hh)

    "layer": each row normalised over its units (Ba et al. 2016), gains ln_*_weight starting at 1.
    "batch": recurrent batch norm (Cooijmans et al. 2016), each unit normalised over the batch with
    statistics per time step; training uses the batch's, evaluation the running ones (kept per
    step, momentum 0.1, unbiased variance, as nn.BatchNorm1d); gains bn_*_weight start at 0.1.
    Called like nn.RNN on time-first input: returns (output, h_n)."""
    BN_MAX_STEPS, BN_MOMENTUM, EPS = 128, 0.1, 1e-5

    def __init__(self, input_size, hidden, kind):
        super().__init__()
        self.kind, self.pre = kind, "ln" if kind == "layer" else "bn"
        for name, shape in [("weight_ih_l0", (hidden, input_size)), ("weight_hh_l0", (hidden, hidden)), ("bias_ih_l0", (hidden,)), ("bias_hh_l0", (hidden,))]:
            self.register_parameter(name, nn.Parameter(torch.empty(shape)))
        for part in ("ih", "hh"):
            self.register_parameter(f"{self.pre}_{part}_weight_l0", nn.Parameter(torch.full((hidden,), 1.0 if kind == "layer" else 0.1)))
            if kind == "batch":
                self.register_buffer(f"bn_{part}_running_mean_l0", torch.zeros(self.BN_MAX_STEPS, hidden))
                self.register_buffer(f"bn_{part}_running_var_l0", torch.ones(self.BN_MAX_STEPS, hidden))

    def norm(self, part, v, t, observed):
        gain = getattr(self, f"{self.pre}_{part}_weight_l0")
        if self.kind == "layer":
            return (v - v.mean(-1, keepdim=True)) / torch.sqrt(v.var(-1, unbiased=False, keepdim=True) + self.EPS) * gain
        row = min(t, self.BN_MAX_STEPS - 1)
        if self.training:
            mean, var = v.mean(0), v.var(0, unbiased=False)
            observed.append((part, row, v.shape[0], mean.detach(), var.detach()))
        else:
            mean, var = getattr(self, f"bn_{part}_running_mean_l0")[row], getattr(self, f"bn_{part}_running_var_l0")[row]
        return (v - mean) / torch.sqrt(var + self.EPS) * gain

    def forward(self, x):
        h = x.new_zeros(x.shape[1], self.weight_hh_l0.shape[0])
        outputs, observed = [], []
        for t in range(x.shape[0]):
            a_in = self.norm("ih", x[t] @ self.weight_ih_l0.t(), t, observed) + self.bias_ih_l0
            a_rec = self.norm("hh", h @ self.weight_hh_l0.t(), t, observed) + self.bias_hh_l0
            h = torch.tanh(a_in + a_rec)
            outputs.append(h)
        with torch.no_grad():  # the running statistics, in the order the loop saw them
            for part, row, n, mean, var in observed:
                running_mean, running_var = getattr(self, f"bn_{part}_running_mean_l0"), getattr(self, f"bn_{part}_running_var_l0")
                running_mean[row] = running_mean[row] * (1 - self.BN_MOMENTUM) + mean * self.BN_MOMENTUM
                running_var[row] = running_var[row] * (1 - self.BN_MOMENTUM) + var * (n / max(n - 1, 1)) * self.BN_MOMENTUM
        return torch.stack(outputs), h.unsqueeze(0)


class AddingModel(nn.Module):
    def __init__(self, cell, hidden, seed):
        super().__init__()
        if cell == "lstm":
            self.rnn = nn.LSTM(2, hidden)
        elif cell == "gru":
            self.rnn = nn.GRU(2, hidden)
        elif cell in ("ln-rnn", "bn-rnn"):
            self.rnn = NormalizedRNN(2, hidden, "layer" if cell == "ln-rnn" else "batch")
        else:
            self.rnn = nn.RNN(2, hidden, nonlinearity="relu" if cell == "irnn" else "tanh")
        rng, bound = Random(seed), 1 / math.sqrt(hidden)
        with torch.no_grad():
            for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
                p = getattr(self.rnn, name)
                p.copy_(tfjs_uniform(list(p.shape), -bound, bound, rng.seed()))
            if cell == "lstm":  # forget-gate bias 1 (its recurrent part 0)
                self.rnn.bias_ih_l0[hidden:2 * hidden] = 1
                self.rnn.bias_hh_l0[hidden:2 * hidden] = 0
            if cell == "irnn":  # Le et al. 2015: identity recurrent weights, zero biases
                self.rnn.weight_ih_l0.mul_(0.1)
                self.rnn.weight_hh_l0.copy_(torch.eye(hidden))
                self.rnn.bias_ih_l0.zero_()
                self.rnn.bias_hh_l0.zero_()
        self.head = nn.Linear(hidden, 1)
        with torch.no_grad():
            self.head.weight.copy_(tfjs_uniform([1, hidden], -bound, bound, seed + 1))
            self.head.bias.zero_()

    def forward(self, x):
        _, state = self.rnn(x)
        h_n = state[0] if isinstance(state, tuple) else state  # the LSTM's (h_n, c_n)
        return self.head(h_n[0])  # the last step's h


def run_one(cell, T, seed, s):
    started = time.perf_counter()
    rng = Random(seed)
    model = AddingModel(cell, s["hidden"], seed)
    rate = s["irnnLearningRate"] if cell == "irnn" else s["normalizedLearningRate"] if cell in ("ln-rnn", "bn-rnn") else s["learningRate"]
    optimizer = torch.optim.Adam(model.parameters(), lr=rate)
    every = max(1, s["steps"] // 60)
    run = {"cell": cell, "length": T, "seed": seed, "curve": [], "steps": [], "crossedAt": None, "solvedAt": None}
    recent = []
    for step in range(1, s["steps"] + 1):
        x, y = adding_batch(T, s["batch"], rng)
        optimizer.zero_grad()
        mse = ((model(x) - y) ** 2).mean()
        mse.backward()
        clip_gradients(list(model.parameters()), s["clipNorm"])
        optimizer.step()
        recent = (recent + [mse.item()])[-25:]
        recent_mean = sum(recent) / 25 if len(recent) == 25 else math.inf  # one lucky batch is not a solved task
        if run["crossedAt"] is None and recent_mean < CROSSING:
            run["crossedAt"] = step
        solved = s["solvedBelow"] > 0 and recent_mean < s["solvedBelow"]
        if step % every == 0 or step == s["steps"] or solved:
            run["curve"].append(mse.item())
            run["steps"].append(step)
        if solved:
            run["solvedAt"] = step
            break
    x, y = adding_batch(T, 512, Random(seed + 1000))
    model.eval()  # batch norm: the running statistics, as a trained model is used
    with torch.no_grad():
        run["testMse"] = ((model(x) - y) ** 2).mean().item()
    run["testMseBatchStatistics"] = None
    if cell == "bn-rnn":  # the same batch normalised by its own statistics, as in training
        model.train()
        with torch.no_grad():
            run["testMseBatchStatistics"] = ((model(x) - y) ** 2).mean().item()
    run["seconds"] = time.perf_counter() - started
    return run


def main(argv=None):
    parser = settings_parser(__doc__.split("\n\n")[0], SETTINGS, HINTS, EXPORTED)
    s, as_json = parse_settings(parser, SETTINGS, argv)
    runs = []
    for cell in s["cells"]:
        for T in s["lengths"]:
            for seed in range(s["seed"], s["seed"] + s["seeds"]):
                if not as_json:
                    print(f"{cell}, length {T}, seed {seed} ...", file=sys.stderr)
                runs.append(run_one(cell, T, seed, s))
    if as_json:
        print(json.dumps({"experiment": "long-range-memory", "settings": s, "runs": runs}))
        return
    rows = [["cell"] + [f"length {T}: test MSE (mean over seeds; predicting 1 scores 0.167)" for T in s["lengths"]]
            + [f"length {T}: seeds below {CROSSING} (first step)" for T in s["lengths"]]]
    for cell in s["cells"]:
        of = lambda T: [r for r in runs if r["cell"] == cell and r["length"] == T]
        crossed = lambda T: [r["crossedAt"] for r in of(T) if r["crossedAt"] is not None]
        own = lambda T: [r["testMseBatchStatistics"] for r in of(T) if r["testMseBatchStatistics"] is not None]
        rows.append([cell] + [sig3(sum(r["testMse"] for r in of(T)) / len(of(T))) + (f"; with the batch's own statistics {sig3(sum(own(T)) / len(own(T)))}" if own(T) else "") for T in s["lengths"]]
                    + [f"{len(crossed(T))} of {len(of(T))}" + (f" ({', '.join(map(str, crossed(T)))})" if crossed(T) else "") for T in s["lengths"]])
    print_table(rows)


if __name__ == "__main__":
    main()
