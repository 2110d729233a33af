#!/usr/bin/env python3
"""Check of "Export as PyTorch Project": the exported folder runs with PyTorch alone and
continues what SeqLab did.

For an LSTM on English text and a GRU on Chinese text, both trained with the `seqlab`
command line:
  1. `seqlab export-torch` writes the project;
  2. `python3 sample.py --temperature 0` prints SeqLab's greedy continuation character for
     character, and (English) a seeded sample at temperature 0.8 draws the same characters;
  3. `python3 train.py --steps K` continues the run: its validation loss before the first
     step is SeqLab's last, and after K steps it matches SeqLab resumed for K steps
     (within 1e-4 nats: the batches, the optimiser state and the rules are the same; an
     exported train.py that ignored the saved optimiser state differed by 9e-3);
  4. `torchrun --nproc_per_node=2 train.py` (gloo) runs, both processes end with
     identical weights, and its loss matches the single process's;
  5. the continued checkpoint loads back into SeqLab (`seqlab sample`);
  6. sample.py prints a model's control characters (ESC, CSI, BEL) as U+FFFD, as
     `seqlab sample` does: a token cannot drive the terminal.
Needs Debian's PyTorch (apt-get install python3-torch) and a built dist/.

Run: /usr/bin/python3 test/interop/check_torch_export.py   (part of npm run test:interop)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE = os.environ.get("NODE", "node")
CLI = [NODE, os.path.join(ROOT, "dist", "cli.js")]
PYTHON = sys.executable
STEPS, MORE = 150, 10
failures = []


def run(args, cwd=None, env=None):
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def expect(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def val_losses(stdout):
    return [float(v) for v in re.findall(r"validation loss ([0-9.]+) nats", stdout)]


def chinese_text():
    out = run([NODE, "-e", f"import({json.dumps(os.path.join(ROOT, 'test', 'support', 'chineseText.mjs'))}).then(m => process.stdout.write(m.chineseText().slice(0, 6000)))"])
    return out.stdout


def check(name, cell, text, prompt, work):
    print(f"{name} ({cell}):")
    corpus = os.path.join(work, f"{name}.txt")
    with open(corpus, "w", encoding="utf-8") as fh:
        fh.write(text)
    model = os.path.join(work, f"{name}-model")
    # --clip 0.05: gradient clipping acts on every step, so a continuation that clipped differently (or not at all) would show.
    common = ["--cell", cell, "--hidden", "48", "--embed", "16", "--seq-len", "32", "--batch", "8", "--eval-interval", "10", "--workers", "1", "--clip", "0.05"]
    run(CLI + ["train", corpus, "--out", model, "--steps", str(STEPS), "--keep", "last", "--json"] + common)
    project = os.path.join(work, f"{name}-pytorch")
    run(CLI + ["export-torch", "--model", model, "--out", project])
    expect(sorted(os.listdir(project)) == ["README.md", "checkpoint", "model.py", "sample.py", "train.py", "vocab.json"], "the project has its files")

    # 2. sampling
    ours = run(CLI + ["sample", "--model", model, "--prompt", prompt, "--temperature", "0", "--length", "80"]).stdout
    theirs = run([PYTHON, "sample.py", "--prompt", prompt, "--temperature", "0", "--length", "80"], cwd=project).stdout
    expect(ours == theirs and len(ours.strip()) > 0, f"greedy continuation identical: {ours.strip()[:40]!r}...")
    ours = run(CLI + ["sample", "--model", model, "--prompt", prompt, "--temperature", "0.8", "--seed", "7", "--length", "80"]).stdout
    theirs = run([PYTHON, "sample.py", "--prompt", prompt, "--temperature", "0.8", "--seed", "7", "--length", "80"], cwd=project).stdout
    # Asserted for the Chinese GRU too: with a 2,500-way distribution still flat after a short
    # run, logits that tie within float rounding could sort differently in the two frameworks;
    # both sort by probability then id, and the 80 seeded draws agree here.
    same = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
    expect(ours == theirs, f"seeded sample at temperature 0.8 identical (the first {same} of {len(ours)} characters)")

    # 3. continued training, against SeqLab resumed for the same steps
    with open(os.path.join(model, "seqlab.json"), encoding="utf-8") as fh:
        last_val = json.load(fh)["training"]["state"]["valLoss"]
    resumed = json.loads(run(CLI + ["train", corpus, "--resume", model, "--out", os.path.join(work, f"{name}-resumed"), "--steps", str(STEPS + MORE),
                                    "--keep", "last", "--workers", "1", "--json"]).stdout.strip().splitlines()[-1])
    single = run([PYTHON, "train.py", "--text", corpus, "--steps", str(MORE), "--out", "continued"], cwd=project).stdout
    losses = val_losses(single)
    expect(abs(losses[0] - last_val) < 1e-4, f"train.py starts at SeqLab's last validation loss ({losses[0]:.5f} vs {last_val:.5f})")
    expect(abs(losses[-1] - resumed["valLoss"]) < 1e-4, f"after {MORE} more steps: PyTorch {losses[-1]:.5f}, SeqLab resumed {resumed['valLoss']:.5f} (diff {abs(losses[-1] - resumed['valLoss']):.1e}, bound 1e-4)")

    # 4. two processes with DistributedDataParallel (gloo)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    # --redirects 1 --tee 1: torchrun's defaults ("0") fail on PyTorch 1.13 with Python 3.11
    # (Debian 12's python3-torch; an IntFlag change), and with these its ranks print to the console.
    ddp = run([PYTHON, "-m", "torch.distributed.run", "--nproc_per_node=2", "--redirects", "1", "--tee", "1", "train.py", "--text", corpus, "--steps", str(MORE), "--out", "continued-ddp"], cwd=project, env=env).stdout
    digests = re.findall(r"rank (\d) of 2: weights sha256 ([0-9a-f]+)", ddp)
    expect(len(digests) == 2 and digests[0][1] == digests[1][1], f"torchrun, 2 processes: identical weights on both ({', '.join(d[1][:12] for d in digests)})")
    ddp_losses = val_losses(ddp)
    expect(abs(ddp_losses[-1] - losses[-1]) < 1e-3, f"and the same loss as one process ({ddp_losses[-1]:.5f} vs {losses[-1]:.5f})")

    # 5. back into SeqLab
    back = run(CLI + ["sample", "--model", os.path.join(project, "continued"), "--prompt", prompt, "--temperature", "0", "--length", "20"]).stdout
    expect(len(back.strip()) > 0, "the continued checkpoint loads into SeqLab")


CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


def check_terminal(work):
    print("control characters (a model trained on escape sequences):")
    corpus = os.path.join(work, "escapes.txt")
    with open(corpus, "w", encoding="utf-8") as fh:
        fh.write("ab\x1b[2J\x1b]0;owned\x07\x9b31m\u202e " * 60)
    model = os.path.join(work, "escapes-model")
    run(CLI + ["train", corpus, "--out", model, "--steps", "30", "--hidden", "16", "--embed", "8", "--seq-len", "16", "--batch", "4", "--workers", "1"])
    project = os.path.join(work, "escapes-pytorch")
    run(CLI + ["export-torch", "--model", model, "--out", project])
    theirs = run([PYTHON, "sample.py", "--prompt", "ab", "--temperature", "1", "--seed", "3", "--length", "300"], cwd=project).stdout
    ours = run(CLI + ["sample", "--model", model, "--prompt", "ab", "--temperature", "1", "--seed", "3", "--length", "300"]).stdout
    expect("\ufffd" in theirs and not CONTROL.search(theirs), f"sample.py shows the model's control characters as U+FFFD ({theirs.count(chr(0xfffd))} of them)")
    expect(ours == theirs, "and prints what `seqlab sample` prints")


def main():
    english = "The forget gate decides what to keep of the cell state; the input gate decides what to write.\n" * 40
    with tempfile.TemporaryDirectory() as work:
        check("english", "lstm", english, "The input gate", work)
        chinese = chinese_text()
        check("chinese", "gru", chinese, chinese[:4], work)
        check_terminal(work)
    print(f"export: {'all passed' if not failures else f'{len(failures)} failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
