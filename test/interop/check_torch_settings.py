#!/usr/bin/env python3
"""Each training setting the PyTorch engine honours, changed from its default: both engines'
first steps change, and change identically (issue 36).

For every setting that reaches the training step (the model, the data, the optimiser and its
rules: engine/train/config.ts, engine/torch/protocol.ts's `init` and `step`), one short run of
`seqlab train --json` on the built-in engine and one on `--engine pytorch`, from the same initial
weights and batches (the CLI gives both the same: SeqLab's seeded init and batch generator), with
the setting changed; and the same two runs with the setting at its default (the base). Asserted:

  (i)  the two engines agree on the run with the setting changed: the training loss of each step
       (before its update) and the validation loss after each step within LOSS_TOL nats, and the
       weights after the last step within max(1e-4, 2.5% of lr * steps) (float32 on the CPU: the
       losses measured ~1e-6 apart; the weights ~1e-6 too, except where Adam or RMSprop divide a
       near-eps gradient by its own size, which turns last-digit differences into up to 1% of lr;
       SGD: 1e-4 whatever its rate);
  (ii) the setting changed the run, on each engine against its own base: some loss by more than
       CHANGED nats, or some weight by more than CHANGED, or the weights' shapes; and by the same
       amount on both engines (the change's difference within the tolerance of (i)).

Steps: the step's loss is computed before the update, so an optimiser setting first shows in the
validation loss after step 1 and the loss of step 2; settings that provably cannot act at step 1
run 3 steps (SGD's momentum: torch's buffer starts as the first gradient, so momentum first acts at
step 2; the schedules: lr at step 1 is the same, so they act from step 2).

Dropout is the exception to (i): its masks come from each engine's own generator (engine.py says
so), so the two engines' dropout runs cannot agree to float precision. For it, (i) is the
validation loss before any step (eval mode: no dropout) within LOSS_TOL and the other losses within
DROPOUT_TOL only; (ii) still holds each engine against its own dropout-0 run (a dropout the PyTorch
engine ignored would leave its run equal to its base). At initialisation the outputs are near
uniform, so dropout moves the step-1 loss by only ~2e-3 (its effect shows in the weights, ~1e-2):
a wrong dropout rate, as opposed to none, would pass here.

The CLI's --json has no gradient norm; check_torch_engine.py compares the norms of 20 steps.
Every field of the training config (configFields.ts's CONFIG_FIELDS, read through tsx) must be
either a case here or listed, with why, as not reaching the step (steps, minutes, patience, ...):
a new setting fails this check until it is classified. normalization is refused by the PyTorch
engine, and that refusal is checked.

Run: /usr/bin/python3 test/interop/check_torch_settings.py [SETTING...]   (part of npm run test:interop;
SETTING: run only the settings whose names contain it, e.g. clip momentum)
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE = os.environ.get("NODE", "node")
CLI = [NODE, os.path.join(ROOT, "dist", "cli.js")]
PYTHON = sys.executable

LOSS_TOL = 2e-4
# Adam and RMSprop divide by the gradient's own size, so where a gradient is near eps the engines'
# last-digit differences move a weight by up to a fraction of the learning rate (measured: 2.6e-4
# after 2 Adam steps at lr 0.02, 6e-5 with RMSprop at 3e-3): the tolerance is a share of lr * steps.
WEIGHT_TOL_FLOOR = 1e-4
WEIGHT_TOL_SHARE = 0.025
CHANGED = 1e-3
DROPOUT_TOL = 0.02

BASE = ["--hidden", "32", "--batch", "8", "--seq-len", "32", "--seed", "7", "--workers", "1", "--sample-interval", "0",
        "--minutes", "0", "--eval-interval", "1", "--eval-windows", "16", "--patience", "0", "--keep", "last"]

# SGD at a rate that moves the weights visibly: the base of the settings Adam's first steps hide
# (Adam's update is invariant to the gradient's scale, so clipping the norm changes it only through
# eps, and its first step is about lr * sign(g), so clipping elements barely does).
SGD = ["--optimizer", "sgd", "--lr", "0.5"]

# (setting, flags with the setting changed, flags of its base (the setting at its default), steps, why that many)
CASES = [
    ("cell gru", ["--cell", "gru"], [], 2, ""),
    ("cell rnn-tanh", ["--cell", "rnn-tanh"], [], 2, ""),
    ("cell rnn-relu", ["--cell", "rnn-relu"], [], 2, ""),
    ("cell rnn-sigmoid", ["--cell", "rnn-sigmoid"], [], 2, ""),
    ("layers 2", ["--layers", "2"], [], 2, ""),
    ("hidden 48", ["--hidden", "48"], [], 2, ""),
    ("embed 16", ["--embed", "16"], [], 2, ""),
    ("dropout 0.5 (layers 2)", ["--layers", "2", "--dropout", "0.5"], ["--layers", "2"], 2, "masks are each engine's own"),
    ("forget-bias 1", ["--forget-bias", "1"], [], 2, ""),
    ("seq-len 16", ["--seq-len", "16"], [], 2, ""),
    ("batch 4", ["--batch", "4"], [], 2, ""),
    ("val-fraction 0.3", ["--val-fraction", "0.3"], [], 2, ""),
    ("vocab-mode byte", ["--vocab-mode", "byte"], [], 2, ""),
    ("vocab-max 40", ["--vocab-max", "40"], [], 2, ""),
    ("optimizer sgd", ["--optimizer", "sgd"], [], 2, ""),
    ("optimizer rmsprop", ["--optimizer", "rmsprop"], [], 2, ""),
    ("optimizer adagrad", ["--optimizer", "adagrad"], [], 2, ""),
    ("lr 0.02", ["--lr", "0.02"], [], 2, ""),
    ("momentum 0.5 (sgd)", [*SGD, "--momentum", "0.5"], SGD, 3, "momentum first acts at step 2"),
    ("weight-decay 0.1", ["--weight-decay", "0.1"], [], 2, ""),
    ("weight-decay 0.1 (sgd)", [*SGD, "--weight-decay", "0.1"], SGD, 2, ""),
    ("schedule cosine", ["--schedule", "cosine"], [], 3, "lr changes from step 2"),
    ("warmup-steps 3", ["--warmup-steps", "3"], [], 2, ""),
    ("lr-min-ratio 0.5 (cosine)", ["--schedule", "cosine", "--lr-min-ratio", "0.5"], ["--schedule", "cosine"], 3, "lr changes from step 2"),
    ("lr-step-size 1 (step)", ["--schedule", "step", "--lr-step-size", "1"], ["--schedule", "step"], 3, "decays from step 2"),
    ("lr-gamma 0.1 (step, size 1)", ["--schedule", "step", "--lr-step-size", "1", "--lr-gamma", "0.1"], ["--schedule", "step", "--lr-step-size", "1"], 3, "decays from step 2"),
    ("clip 0.1 (sgd)", [*SGD, "--clip", "0.1"], SGD, 2, "Adam's step hardly sees a clip"),
    ("clip-value 0.001 (sgd)", [*SGD, "--clip-value", "0.001"], SGD, 2, "Adam's step hardly sees a clip"),
    ("seed 8", ["--seed", "8"], [], 2, ""),
    ("eval-windows 4", ["--eval-windows", "4"], [], 2, "validation only"),
]

# The config's fields that do not reach the training step, with why (by their key in engine/train/config.ts).
NOT_THE_STEP = {
    "steps": "when the run stops: SeqLab's loop, the same code for both engines",
    "minutes": "when the run stops (SeqLab's loop)",
    "patience": "when the run stops (SeqLab's loop)",
    "evalInterval": "when SeqLab evaluates",
    "checkpointEvery": "when SeqLab saves",
    "checkpointSeconds": "when SeqLab saves",
    "sampleInterval": "when SeqLab samples (on the built-in model)",
    "sampleLength": "how much SeqLab samples",
    "progressIntervalMs": "how often SeqLab reports",
    "engine": "the setting under test",
    "normalization": "refused by the PyTorch engine (torch.nn's cells have none): checked below",
}


def config_fields():
    """Every field of the training config, with its command-line flag (None: none), from configFields.ts itself."""
    r = subprocess.run([NODE, "--import", "tsx", "-e",
                        "import('./engine/train/configFields.ts').then(m => { const x = m.CONFIG_FIELDS ?? m.default.CONFIG_FIELDS; const f = m.flagOf ?? m.default.flagOf; "
                        "process.stdout.write(JSON.stringify(x.map(c => [c.key, f(c)]))) })"], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


failures = []


def expect(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}", flush=True)
    if not ok:
        failures.append(what)


def read_safetensors(path):
    """The tensors of a safetensors file (float32 only: the checkpoints' weights)."""
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, d in header.items():
        if name == "__metadata__":
            continue
        assert d["dtype"] == "F32", (name, d["dtype"])
        a, b = d["data_offsets"]
        out[name] = torch.frombuffer(bytearray(raw[8 + n + a:8 + n + b]), dtype=torch.float32).reshape(d["shape"])
    return out


def run(text, work, flags, steps, engine):
    out = tempfile.mkdtemp(dir=work)
    extra = ["--engine", "pytorch", "--python", PYTHON] if engine == "pytorch" else []
    r = subprocess.run([*CLI, "train", text, "--out", out, "--json", *BASE, "--steps", str(steps), *flags, *extra], capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["?"])[-1]}
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    with open(os.path.join(out, "seqlab.json"), encoding="utf-8") as f:
        state = json.load(f)["training"]["state"]
    hist = state["history"]
    return {
        "engine": summary["engine"], "initial": state["initialValLoss"],
        "train": [h["trainLoss"] for h in hist], "val": [h["valLoss"] for h in hist],
        "weights": read_safetensors(os.path.join(out, "model.safetensors")),
    }


def both(text, work, flags, steps):
    """The run on each engine, the two at once (one process each: the machine's two cores)."""
    with ThreadPoolExecutor(2) as pool:
        runs = {e: pool.submit(run, text, work, flags, steps, e) for e in ("builtin", "pytorch")}
        return {e: f.result() for e, f in runs.items()}


def losses(r):
    return [r["initial"], *r["train"], *r["val"]]


def weight_diff(a, b):
    """The largest difference of two runs' weights, or None when their names or shapes differ."""
    if a.keys() != b.keys() or any(a[k].shape != b[k].shape for k in a):
        return None
    return max(float((a[k] - b[k]).abs().max()) for k in a)


def change(r, base):
    """How far a run is from its base: (largest loss change, largest weight change or None)."""
    return [x - y for x, y in zip(losses(r), losses(base))], weight_diff(r["weights"], base["weights"])


def main():
    started = time.time()
    work = tempfile.mkdtemp(prefix="seqlab-torch-settings-")
    text = os.path.join(work, "text.txt")
    # A fixed English text (the README as it was when these checks were written): the README changes, the check should not.
    with open(os.path.join(ROOT, "test", "interop", "training-text.md"), encoding="utf-8") as f:
        body = f.read()[:20000]
    with open(text, "w", encoding="utf-8") as f:
        f.write(body)
    # Every field of the config is either changed below or said not to reach the step: a new setting fails here until it is one or the other.
    fields = config_fields()
    run_flags = {name.split()[0] for name, *_ in CASES}
    unclassified = [key for key, flag in fields if key not in NOT_THE_STEP and flag not in run_flags]
    expect(not unclassified, f"each of the config's {len(fields)} fields is changed here ({len(run_flags)}) or said not to reach the step"
           + (f"; not yet: {', '.join(unclassified)} (add a case to CASES, or a reason to NOT_THE_STEP)" if unclassified else ""))
    print("fields that do not reach the training step (not run):")
    for key, why in NOT_THE_STEP.items():
        print(f"  {key}: {why}")
    r = subprocess.run([*CLI, "train", text, "--out", os.path.join(work, "bn"), *BASE, "--steps", "1", "--normalization", "batch", "--engine", "pytorch", "--python", PYTHON],
                       capture_output=True, text=True)
    expect(r.returncode != 0 and "normalisation" in r.stderr, f"normalization batch is refused by the PyTorch engine: {(r.stderr.strip().splitlines() or ['(no message)'])[-1][:140]}")

    only = sys.argv[1:]  # names (or parts of them) of the settings to run; none: all
    cases = [c for c in CASES if not only or any(o in c[0] for o in only)]
    bases = {}
    rows = []
    for name, flags, base_flags, steps, why in cases:
        key = (tuple(base_flags), steps)
        if key not in bases:
            bases[key] = both(text, work, base_flags, steps)
        base = bases[key]
        now = both(text, work, flags, steps)
        errors = [f"{e}: {x['error']}" for e, x in list(now.items()) + list(base.items()) if "error" in x]
        if errors:
            expect(False, f"{name}: a run failed ({'; '.join(errors)})")
            continue
        b, t = now["builtin"], now["pytorch"]
        expect(t["engine"] == "pytorch" and b["engine"] == "builtin", f"{name}: ran on builtin and pytorch")
        # (i) the engines agree on the changed run.
        dloss = max(abs(x - y) for x, y in zip(losses(b), losses(t)))
        dw = weight_diff(b["weights"], t["weights"])
        dropout = "dropout" in name
        lr = float(flags[flags.index("--lr") + 1]) if "--lr" in flags else 3e-3
        # SGD's update is linear in the gradient: no amplification, the floor alone.
        weight_tol = WEIGHT_TOL_FLOOR if "sgd" in flags else max(WEIGHT_TOL_FLOOR, WEIGHT_TOL_SHARE * lr * steps)
        if dropout:
            ok_i = abs(b["initial"] - t["initial"]) < LOSS_TOL and dloss < DROPOUT_TOL and dw is not None
            what_i = f"initial validation loss within {LOSS_TOL} (eval mode), the rest within {DROPOUT_TOL} (own masks): {dloss:.1e}"
        else:
            ok_i = dloss < LOSS_TOL and dw is not None and dw < weight_tol
            what_i = f"losses within {LOSS_TOL}: {dloss:.1e}; weights within {weight_tol:.1e}: {dw if dw is None else f'{dw:.1e}'}"
        expect(ok_i, f"{name}: (i) the engines agree: {what_i}")
        # (ii) the setting changed the run, on each engine against its own base, and alike.
        cb, wb = change(b, base["builtin"])
        ct, wt = change(t, base["pytorch"])
        size = {e: max(max(abs(v) for v in c), w if w is not None else float("inf")) for e, c, w in (("builtin", cb, wb), ("pytorch", ct, wt))}
        alike = max(abs(x - y) for x, y in zip(cb, ct))
        ok_ii = size["builtin"] > CHANGED and size["pytorch"] > CHANGED and (alike < (DROPOUT_TOL if dropout else LOSS_TOL))
        moved = "; ".join(f"{e} losses by up to {max(abs(v) for v in c):.1e}, " + ("shapes differ" if w is None else f"weights by {w:.1e}") for e, c, w in (("builtin", cb, wb), ("pytorch", ct, wt)))
        expect(ok_ii, f"{name}: (ii) changed the run on both engines ({moved}), alike within {alike:.1e}"
               + (f" [{steps} steps: {why}]" if why else ""))
        rows.append((name, steps, b["train"][0], t["train"][0], b["val"][0], t["val"][0], base["builtin"]["val"][0], dloss, dw))

    print("\n| setting | steps | step-1 loss builtin | pytorch | val after step 1 builtin | pytorch | base (default) | max loss diff | max weight diff |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, steps, lb, lt, vb, vt, v0, dl, dw in rows:
        print(f"| {name} | {steps} | {lb:.6f} | {lt:.6f} | {vb:.6f} | {vt:.6f} | {v0:.6f} | {dl:.1e} | {'-' if dw is None else f'{dw:.1e}'} |")
    print(f"\n{len(cases)} settings in {time.time() - started:.0f} s")
    if failures:
        raise SystemExit(f"{len(failures)} check(s) failed: {failures}")
    print("every setting changes both engines' steps, identically")


if __name__ == "__main__":
    main()
