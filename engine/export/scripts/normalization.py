#!/usr/bin/env python3
"""SeqLab's experiment "normalization" in plain PyTorch: cells trained with no, layer or recurrent
batch normalisation of their pre-activations, compared.

Each run is SeqLab's training loop on its built-in text (60,000 characters; with `trainChars`, only
that many of its training part, to see overfitting: the table then adds the loss on the training text
and the gap to the validation loss): a character model
(embedding 32, one recurrent layer of `hidden` units, a linear head) with SeqLab's initial weights
for the seed (W_ih and W_hh times `initScale`), Adam, windows of `seqLen`, 16 a step, the validation loss measured 10 times. The
normalised cells are written out below (CharLM.norm), since torch.nn has none: the input and the
recurrent pre-activations are each normalised before their biases are added, and the LSTM's cell
state before its tanh. Layer norm (Ba et al. 2016) normalises each row over its units, gain 1;
recurrent batch norm (Cooijmans et al. 2016) normalises over the batch with statistics kept per
time step for evaluation, gain `bnGain` (0.1, as in the paper). The table is SeqLab's: each
cell and normalisation's final validation loss and the seconds it took.

Same seed, same numbers as SeqLab: its weights and batches are drawn with its own generators
(below); float order makes the losses differ by about 1e-5.

Run:  python3 normalization.py                  (the settings it was exported with)
      python3 normalization.py --cells rnn-tanh --bn-gain 1 --seeds 1
      python3 normalization.py --help
"""
import time

from seqlab_common import *  # noqa: F401,F403  (SeqLab's generators, text, model, training loop; written in on export)

SETTINGS = {"cells": ["lstm", "rnn-tanh"], "hidden": 64, "seqLen": 32, "steps": 100, "learningRate": 3e-3,
            "normalizations": ["none", "layer", "batch"], "bnGain": 0.1, "initScale": 1.0, "trainChars": 0, "seeds": 3, "seed": 1}
# The settings SeqLab exported this script with (the defaults of its options); SETTINGS gives their types.
EXPORTED = {}
HINTS = {"cells": "lstm, gru, rnn-tanh, rnn-relu, rnn-sigmoid", "hidden": "hidden units", "seqLen": "window length", "steps": "training steps",
         "learningRate": "Adam's learning rate", "normalizations": "none, layer, batch", "bnGain": "recurrent batch norm's initial gain",
         "initScale": "every W_ih and W_hh multiplied by this at initialisation (1: PyTorch's initialisation)",
         "trainChars": "train on only this many characters of the text (0: all of its training part; at least 1000)",
         "seeds": "how many seeds", "seed": "the first seed"}


def normalization_text(train_chars):
    """SeqLab's text for a run (normalizationText in normalization.ts): the built-in text, its last 10%
    for validation; with train_chars, only that many characters of the training part, followed by the
    end of the validation part (at most train_chars long)."""
    full = generate_corpus(60_000)
    if train_chars == 0:
        return full, 0.1
    if train_chars < 1000:
        raise SystemExit(f"trainChars is {train_chars}: 0 (the whole training part) or at least 1000 characters")
    val_chars = min(train_chars, math.floor(len(full) * 0.1 + 0.5))  # JavaScript's Math.round
    return full[:train_chars] + full[len(full) - val_chars:], val_chars / (train_chars + val_chars)


def main(argv=None):
    parser = settings_parser(__doc__.split("\n\n")[0], SETTINGS, HINTS, EXPORTED)
    s, as_json = parse_settings(parser, SETTINGS, argv)
    text, val_fraction = normalization_text(s["trainChars"])

    def scale_weights(model):
        for name, p in model.rnn.named_parameters():
            if re.fullmatch(r"weight_(ih|hh)_l\d+", name):
                p.mul_(s["initScale"])
    runs = []
    for seed in range(s["seed"], s["seed"] + s["seeds"]):
        for cell in s["cells"]:
            for norm in s["normalizations"]:
                if not as_json:
                    print(f"{cell}, {norm}, seed {seed} ...", file=sys.stderr)
                started = time.perf_counter()
                run = train_run(text, {"cell": cell, "hidden": s["hidden"], "seqLen": s["seqLen"], "batch": 16, "steps": s["steps"],
                                       "lr": s["learningRate"], "normalization": norm, "bnGain": s["bnGain"],
                                       "evalInterval": max(1, s["steps"] // 10), "evalWindows": 32, "valFraction": val_fraction, "seed": seed},
                                prepare=scale_weights if s["initScale"] != 1 else None, training_text_loss=True)
                runs.append({"cell": cell, "normalization": norm, "seed": seed, "seconds": time.perf_counter() - started, **run})
    if as_json:
        print(json.dumps({"experiment": "normalization", "settings": s, "runs": runs}))
        return
    mean = lambda values: sum(values) / len(values)
    part = s["trainChars"]
    with_range = lambda values: sig3(mean(values)) + (f" ({sig3(min(values))}–{sig3(max(values))})" if len(values) > 1 else "")
    # Trained on a part of the text, the table also says how far the validation loss is above the training text's: overfitting.
    rows = [["cell", "normalisation", f"final validation loss after {s['steps']} steps (mean over seeds, range)"]
            + ([f"loss on the {part:,} training characters (mean over seeds)", "gap: validation minus training text (mean over seeds, range)"] if part else [])
            + ["seconds (mean over seeds)"]]
    for cell in s["cells"]:
        for norm in s["normalizations"]:
            rs = [r for r in runs if r["cell"] == cell and r["normalization"] == norm]
            finals = [r["valLoss"][-1] for r in rs]
            rows.append([cell, norm, with_range(finals)]
                        + ([sig3(mean([r["trainingTextLoss"] for r in rs])), with_range([r["valLoss"][-1] - r["trainingTextLoss"] for r in rs])] if part else [])
                        + [sig3(mean([r["seconds"] for r in rs]))])
    print_table(rows)


if __name__ == "__main__":
    main()
