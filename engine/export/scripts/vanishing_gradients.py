#!/usr/bin/env python3
"""SeqLab's experiment "vanishing-gradients" in plain PyTorch: how far back the loss's gradient
reaches in each kind of cell.

For every seed and cell: a character model (embedding 32, one recurrent layer, a linear head)
with SeqLab's initial weights for that seed reads `batch` windows of SeqLab's built-in text,
`seqLen` characters each. The loss is the cross-entropy of the character after each window; the
script measures ||d loss / d h_t|| (over the batch) for every step t, by adding a zero to each
step's hidden state and asking autograd for its gradient. Then the model trains `trainSteps`
steps (Adam, learning rate 3e-3, 16 windows of 64 characters, gradients clipped at norm 1) and
the gradient is measured again. The table is SeqLab's: the decay per step (exp of the slope of
log norm against distance over the first 50 steps), and the norm 10 and 30 steps back.

Same seed, same numbers as SeqLab: its weights, windows and batches are drawn with its own
generators (below). Where the two differ it is float32 summation order: about 1e-6 relative.

Run:  python3 vanishing_gradients.py            (the settings it was exported with)
      python3 vanishing_gradients.py --seeds 1 --train-steps 10 --cells rnn-tanh,lstm
      python3 vanishing_gradients.py --help
"""
from seqlab_common import *  # noqa: F401,F403  (SeqLab's generators, text, model; written in on export)

SETTINGS = {"cells": ["rnn-sigmoid", "rnn-tanh", "rnn-relu", "lstm", "gru", "lstm-forget1"], "hidden": 128, "seqLen": 100,
            "batch": 8, "trainSteps": 40, "seeds": 3, "seed": 1}
# The settings SeqLab exported this script with (the defaults of its options); SETTINGS gives their types.
EXPORTED = {}
HINTS = {"cells": "cells to compare: rnn-sigmoid, rnn-tanh, rnn-relu, lstm, gru, lstm-forget1 (an LSTM with forget-gate bias 1)",
         "hidden": "hidden units", "seqLen": "window length: distances up to seqLen - 1", "batch": "windows measured at once",
         "trainSteps": "training steps between the two measurements", "seeds": "how many seeds (each draws new weights and windows)",
         "seed": "the first seed"}


def gradient_norms(model, inputs, last_targets):
    """||d loss / d h_t|| for every step t, as a list indexed by distance back from the last step."""
    L = inputs.shape[1]
    zeros = [torch.zeros(inputs.shape[0], model.hidden_size, requires_grad=True) for _ in range(L)]
    logits = model(inputs, on_hidden=lambda k, t, h: h + zeros[t])
    loss = nn.functional.cross_entropy(logits[-1], last_targets)
    grads = torch.autograd.grad(loss, zeros)
    return [scaled_norm(g) for g in reversed(grads)]


def run_one(cell_name, seed, s, ids, vocab_size):
    rng = Random(seed)
    rows = random_windows(ids, s["batch"], s["seqLen"] + 1, rng)
    inputs, last_targets = rows[:, :-1], rows[:, -1]
    cell = "lstm" if cell_name == "lstm-forget1" else cell_name
    model = CharLM(cell, vocab_size, s["hidden"], seed, forget_bias=1.0 if cell_name == "lstm-forget1" else None)
    grad_norm = gradient_norms(model, inputs, last_targets)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    train_loss = []
    for _ in range(s["trainSteps"]):
        batch = random_windows(ids, 16, 65, rng)
        loss = model.loss(batch)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        train_loss.append(loss.item())
    grad_norm_trained = gradient_norms(model, inputs, last_targets)
    up_to = min(50, s["seqLen"] - 1)
    return {"cell": cell_name, "seed": seed, "gradNorm": grad_norm, "gradNormTrained": grad_norm_trained,
            "decayPerStep": decay_per_step(grad_norm, up_to), "decayPerStepTrained": decay_per_step(grad_norm_trained, up_to),
            "trainLoss": train_loss}


def main(argv=None):
    parser = settings_parser(__doc__.split("\n\n")[0], SETTINGS, HINTS, EXPORTED)
    s, as_json = parse_settings(parser, SETTINGS, argv)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    tokens, ids = corpus_ids(generate_corpus(120_000))
    seeds = list(range(s["seed"], s["seed"] + s["seeds"]))
    runs = []
    for seed in seeds:
        for cell in s["cells"]:
            if not as_json:
                print(f"{cell}, seed {seed} ...", file=sys.stderr)
            runs.append(run_one(cell, seed, s, ids, len(tokens)))
    if as_json:
        print(json.dumps({"experiment": "vanishing-gradients", "settings": s, "runs": runs}))
        return
    of = lambda cell: [r for r in runs if r["cell"] == cell]
    mean = lambda values: sum(values) / len(values)
    d10, d30 = min(10, s["seqLen"] - 1), min(30, s["seqLen"] - 1)
    geo = "one seed" if len(seeds) == 1 else f"geometric mean of {len(seeds)} seeds (range)"
    rows = [["cell", "decay per step, at initialisation (mean over seeds)", f"decay per step, after {s['trainSteps']} steps",
             f"norm at d = {d10}, at initialisation: {geo}", f"norm at d = {d30}, at initialisation: {geo}"]]
    for cell in s["cells"]:
        rows.append([cell, sig3(mean([r["decayPerStep"] for r in of(cell)])), sig3(mean([r["decayPerStepTrained"] for r in of(cell)])),
                     geometric_mean_range([r["gradNorm"][d10] for r in of(cell)]), geometric_mean_range([r["gradNorm"][d30] for r in of(cell)])])
    print_table(rows)
    if s["trainSteps"] > 0:
        last = lambda r: mean(r["trainLoss"][-10:])
        print(f"\ntraining loss over the last {min(10, s['trainSteps'])} steps (nats/char, mean over seeds): "
              + ", ".join(f"{cell} {sig3(mean([last(r) for r in of(cell)]))}" for cell in s["cells"]))


if __name__ == "__main__":
    main()
