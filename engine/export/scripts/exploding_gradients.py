#!/usr/bin/env python3
"""SeqLab's experiment "exploding-gradients" in plain PyTorch: ReLU and tanh RNNs trained with and
without gradient clipping, their gradient norms and losses.

Each run is SeqLab's training loop on its built-in text (60,000 characters): a character model
(embedding 32, one nn.RNN layer, a linear head) with SeqLab's initial weights for the seed, its
recurrent weights W_hh multiplied by a scale (x 2.5 for the ReLU RNN, x 3 for the tanh RNN: large
recurrent weights, the chapter's cause of explosion), SGD with momentum 0.9, windows of `seqLen`,
16 a step. "clip N" scales each step's gradient to a norm of at most N (torch.nn.utils.
clip_grad_norm_'s rule); "no clip" leaves it. A run whose loss becomes NaN or infinite stops there.
The table is SeqLab's: in how many seeds each run diverged and at which step, its final training
loss, and the largest gradient norm (before clipping) over seeds and steps.

Same seed, same numbers as SeqLab: its weights and batches are drawn with its own generators
(below). Float order makes the two differ by about 1e-6 at first; in a run that explodes the
difference grows with the gradient, so such a run may end a step earlier or later.

Run:  python3 exploding_gradients.py            (the settings it was exported with)
      python3 exploding_gradients.py --seeds 1 --steps 40
      python3 exploding_gradients.py --help
"""
from seqlab_common import *  # noqa: F401,F403  (SeqLab's generators, text, model, training loop; written in on export)

SETTINGS = {"clipNorms": [0.0, 1.0, 5.0], "hidden": 128, "seqLen": 100, "steps": 120, "learningRate": 0.1,
            "reluRecurrentScale": 2.5, "tanhRecurrentScale": 3.0, "seeds": 3, "seed": 1}
# The settings SeqLab exported this script with (the defaults of its options); SETTINGS gives their types.
EXPORTED = {}
HINTS = {"clipNorms": "gradient-norm thresholds to try (0 = no clipping)", "hidden": "hidden units", "seqLen": "window length",
         "steps": "training steps", "learningRate": "SGD's learning rate (momentum 0.9)",
         "reluRecurrentScale": "the ReLU RNN's W_hh is multiplied by this", "tanhRecurrentScale": "the tanh RNN's W_hh is multiplied by this",
         "seeds": "how many seeds (each draws new weights and batches)", "seed": "the first seed"}


def configurations(s):
    """The runs of one seed, named as SeqLab names them."""
    scaled = lambda scale: f" x{scale:g}" if scale != 1 else ""
    clips = [float(v) for v in s["clipNorms"]]
    smallest = min([v for v in clips if v > 0], default=None)
    clip_name = lambda clip: f"clip {clip:g}" if clip else "no clip"
    runs = [(f"relu{scaled(s['reluRecurrentScale'])}, {clip_name(clip)}", "rnn-relu", clip, s["reluRecurrentScale"]) for clip in clips]
    if s["reluRecurrentScale"] != 1:  # PyTorch's own initialisation, unclipped: the contrast that makes the scale the cause
        runs.append(("relu x1 (PyTorch init), no clip", "rnn-relu", 0.0, 1.0))
    runs += [(f"tanh{scaled(s['tanhRecurrentScale'])}, {clip_name(clip)}", "rnn-tanh", clip, s["tanhRecurrentScale"])
             for clip in clips if clip == 0 or clip == smallest]
    return runs


def main(argv=None):
    parser = settings_parser(__doc__.split("\n\n")[0], SETTINGS, HINTS, EXPORTED)
    s, as_json = parse_settings(parser, SETTINGS, argv)
    text = generate_corpus(60_000)
    runs = []
    for seed in range(s["seed"], s["seed"] + s["seeds"]):
        for name, cell, clip, scale in configurations(s):
            if not as_json:
                print(f"{name}, seed {seed} ...", file=sys.stderr)
            scale_w_hh = (lambda m, scale=scale: m.rnn.weight_hh_l0.mul_(scale)) if scale != 1 else None
            run = train_run(text, {"cell": cell, "hidden": s["hidden"], "seqLen": s["seqLen"], "batch": 16, "steps": s["steps"],
                                   "optimizer": "sgd", "lr": s["learningRate"], "momentum": 0.9, "clipNorm": clip,
                                   "evalInterval": s["steps"], "seed": seed}, prepare=scale_w_hh)
            runs.append({"name": name, "seed": seed, "clipNorm": clip, **run})
    if as_json:
        print(json.dumps({"experiment": "exploding-gradients", "settings": s, "runs": runs}))
        return
    # In a chaotic run (tanh x3, unclipped) the largest norm's digits depend on the order of float operations: its order of magnitude reproduces.
    rows = [["run", "diverged (NaN)", "final train loss (mean over the seeds that trained)", "largest gradient norm (over seeds and steps)", "its order of magnitude"]]
    for name, *_ in configurations(s):
        rs = [r for r in runs if r["name"] == name]
        diverged = [r["divergedAtStep"] for r in rs if r["reason"] == "diverged"]
        finals = [r["trainLoss"][-1] for r in rs if r["reason"] != "diverged" and r["trainLoss"]]
        largest = max(max([g for g in r["gradNorm"] if math.isfinite(g)], default=0) for r in rs)
        said = f"{len(diverged)} of {len(rs)} seeds" + (f", step{'s' if len(diverged) > 1 else ''} {', '.join(map(str, diverged))}" if diverged else "")
        rows.append([name, said, sig3(sum(finals) / len(finals)) if finals else "–", sig3(largest), f"~1e{round(math.log10(largest))}" if largest > 0 else "0"])
    print_table(rows)


if __name__ == "__main__":
    main()
