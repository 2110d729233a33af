#!/usr/bin/env python3
"""Check of the PyTorch engine (`seqlab train --engine pytorch`): the same run as the built-in
engine's, computed by PyTorch.

  1. the two halves of the line protocol (engine/torch/protocol.py, engine/torch/protocol.ts)
     name the same messages, fields and types;
  2. the same text, seed and settings give the same validation curve on both engines, at
     every evaluation of a 100-step run, within 1e-3 nats (float32 on the CPU), each step
     reports the same gradient norm, and the two checkpoints continue a prompt with the same
     characters (`seqlab sample`, greedy);
  3. a run stopped with Ctrl+C ends at a step boundary with its checkpoint, and resumes from
     it on the PyTorch engine where it stopped;
  4. --processes 2 (data-parallel processes, gloo) gives the single process's curve and weights;
  5. a PyTorch process that dies mid-run (the engine, or one of --processes 2's helpers) is
     reported, with the checkpoint to resume from kept, and no process is left behind;
  6. a Python without torch, a device that is not there and fp16 without CUDA get messages that
     say what to do; bf16 mixed precision (CPU autocast) trains, and its distance from the
     float32 curve is printed.
Needs Debian's PyTorch (apt-get install python3-torch) and a built dist/.

Run: /usr/bin/python3 test/interop/check_torch_engine.py   (part of npm run test:interop)
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "engine", "export", "torch"))
from model import read_safetensors  # noqa: E402

NODE = os.environ.get("NODE", "node")
CLI = [NODE, os.path.join(ROOT, "dist", "cli.js")]
PYTHON = sys.executable
failures = []


def expect(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}", flush=True)
    if not ok:
        failures.append(what)


def train(text, out, *flags, check=True):
    r = subprocess.run([*CLI, "train", text, "--out", out, "--json", *flags], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise SystemExit(f"seqlab train {' '.join(flags)} failed ({r.returncode}):\n{r.stderr}")
    return r


def summary(r):
    return json.loads(r.stdout.strip().splitlines()[-1])


def history(folder):
    with open(os.path.join(folder, "seqlab.json"), encoding="utf-8") as f:
        meta = json.load(f)
    return meta, meta["training"]["state"]["history"]


def read_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def descendants(root):
    """Every live process below `root` (from /proc: no psutil needed)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def protocol_agrees():
    print("1. the protocol's two halves", flush=True)
    py = json.loads(subprocess.run([PYTHON, os.path.join(ROOT, "engine", "torch", "protocol.py"), "--describe"], capture_output=True, text=True, check=True).stdout)
    ts = json.loads(subprocess.run([NODE, "--import", "tsx", "-e",
                                    "import('./engine/torch/protocol.ts').then(m => process.stdout.write(JSON.stringify((m.describeTorchProtocol ?? m.default.describeTorchProtocol)())))"],
                                   cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    for part in ("requests", "replies"):
        expect(sorted(py[part]) == sorted(ts[part]), f"{part}: the same messages ({', '.join(sorted(py[part]))})")
        for name in sorted(set(py[part]) & set(ts[part])):
            expect(py[part][name] == ts[part][name], f"{part[:-1]} {name}: the same fields and types" + ("" if py[part][name] == ts[part][name] else f" (python {py[part][name]}, typescript {ts[part][name]})"))
    expect(sorted(py["errorCodes"]) == sorted(ts["errorCodes"]), "the same error codes")


def main():
    protocol_agrees()
    work = tempfile.mkdtemp(prefix="seqlab-torch-engine-")
    text = os.path.join(work, "text.txt")
    # A fixed English text (the README as it was when these checks were written): the README changes, the check should not.
    with open(os.path.join(ROOT, "test", "interop", "training-text.md"), encoding="utf-8") as f:
        readme = f.read()
    with open(text, "w", encoding="utf-8") as f:
        f.write(readme[:30000])
    common = ["--steps", "100", "--eval-interval", "10", "--seed", "7", "--workers", "1", "--python", PYTHON]

    print("2. the same run on both engines", flush=True)
    builtin = summary(train(text, os.path.join(work, "builtin"), *common))
    torch_run = summary(train(text, os.path.join(work, "torch"), *common, "--engine", "pytorch"))
    expect(torch_run["engine"] == "pytorch" and torch_run["device"] == "cpu" and torch_run["processes"] == 1, f"--json names the engine: {torch_run['engine']}, {torch_run['device']}, {torch_run['processes']} process")
    _, a = history(os.path.join(work, "builtin"))
    meta, b = history(os.path.join(work, "torch"))
    expect(meta["backend"].startswith("pytorch "), f"seqlab.json's backend says what computed it: {meta['backend']}")
    expect(abs(builtin["initialValLoss"] - torch_run["initialValLoss"]) < 1e-5, f"the first validation loss is the same: {builtin['initialValLoss']:.6f} and {torch_run['initialValLoss']:.6f}")
    diffs = [abs(x["valLoss"] - y["valLoss"]) for x, y in zip(a, b)]
    expect(len(a) == len(b) == 10 and max(diffs) < 1e-3, f"validation losses at all {len(a)} evaluations within 1e-3 nats: largest difference {max(diffs):.2e} ({a[-1]['valLoss']:.5f} and {b[-1]['valLoss']:.5f} at step 100)")

    greedy = [subprocess.run([*CLI, "sample", "--model", os.path.join(work, name), "--prompt", "The model ", "--temperature", "0", "--length", "80"],
                             capture_output=True, text=True, check=True).stdout for name in ("builtin", "torch")]
    expect(greedy[0] == greedy[1] and len(greedy[0]) > 80, f"the PyTorch-trained checkpoint samples as the built-in one: {greedy[1].strip()[:60]!r}")

    # What each step reports besides the loss: the gradient norm before clipping (the chart's and the divergence check's).
    norms = json.loads(subprocess.run([NODE, "--import", "tsx", os.path.join(ROOT, "test", "interop", "gradNorms.ts"), text, PYTHON], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    rel = [abs(x - y) / max(abs(x), 1e-12) for x, y in zip(norms["builtin"], norms["pytorch"])]
    expect(len(norms["pytorch"]) == 20 and max(rel) < 1e-3, f"the gradient norm before clipping, at each of 20 steps (clipped at 1): largest relative difference {max(rel):.2e} (step 1: {norms['builtin'][0]:.4f} and {norms['pytorch'][0]:.4f})")

    # Mixed precision changes the arithmetic: its effect on the curve, measured (bf16 runs on the CPU too).
    bf16 = summary(train(text, os.path.join(work, "bf16"), *common, "--engine", "pytorch", "--precision", "bf16"))
    _, c = history(os.path.join(work, "bf16"))
    mixed = [abs(x["valLoss"] - y["valLoss"]) for x, y in zip(a, c)]
    expect(len(c) == 10 and max(mixed) < 0.1, f"bf16 autocast trains the same run to within {max(mixed):.2e} nats of float32 (at step 100: {c[-1]['valLoss']:.5f} against {a[-1]['valLoss']:.5f}); {bf16['charsPerSecond']:.0f} chars/s")

    print("3. Stop (Ctrl+C) and resume on the PyTorch engine", flush=True)
    stopped = os.path.join(work, "stopped")
    proc = subprocess.Popen([*CLI, "train", text, "--out", stopped, "--json", "--engine", "pytorch", "--python", PYTHON,
                             "--steps", "100000", "--minutes", "0", "--eval-interval", "10", "--seed", "7"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not os.path.exists(os.path.join(stopped, "seqlab.json")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    s = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    expect(proc.returncode == 130 and s.get("reason") == "cancelled", f"Ctrl+C stops the run (exit {proc.returncode}, reason {s.get('reason')}, step {s.get('steps')})")
    meta, _ = history(stopped)
    at = meta["training"]["state"]["step"]
    expect(at == s.get("steps") and at > 0, f"the checkpoint holds the step it stopped at: {at}")
    resumed = summary(train(text, os.path.join(work, "resumed"), "--resume", stopped, "--steps", str(at + 20), "--engine", "pytorch", "--python", PYTHON, "--eval-interval", "10"))
    expect(resumed["steps"] == at + 20, f"resumed from step {at} for 20 steps: now at step {resumed['steps']}")

    print("4. two processes (torch.distributed, gloo)", flush=True)
    short = ["--steps", "30", "--eval-interval", "10", "--seed", "3", "--python", PYTHON, "--engine", "pytorch", "--sample-interval", "0"]
    one = summary(train(text, os.path.join(work, "p1"), *short))
    two = summary(train(text, os.path.join(work, "p2"), *short, "--processes", "2"))
    expect(two["processes"] == 2, f"--json says 2 processes: {two['processes']}")
    _, h1 = history(os.path.join(work, "p1"))
    _, h2 = history(os.path.join(work, "p2"))
    d = max(abs(x["valLoss"] - y["valLoss"]) for x, y in zip(h1, h2))
    expect(len(h1) == len(h2) == 3 and d < 1e-4, f"the same validation curve at every evaluation: largest difference {d:.2e}")
    w1, _ = read_safetensors(os.path.join(work, "p1", "model.safetensors"))
    w2, _ = read_safetensors(os.path.join(work, "p2", "model.safetensors"))
    dw = max(float((w1[k] - w2[k]).abs().max()) for k in w1)
    expect(dw < 1e-4, f"the same weights after 30 steps: largest difference {dw:.2e}")

    print("5. a PyTorch process that dies", flush=True)
    crashed = os.path.join(work, "crashed")
    proc = subprocess.Popen([*CLI, "train", text, "--out", crashed, "--engine", "pytorch", "--python", PYTHON, "--steps", "100000", "--minutes", "0",
                             "--eval-interval", "10", "--seed", "5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not os.path.exists(os.path.join(crashed, "seqlab.json")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    engines = subprocess.run(["pgrep", "-f", "-P", str(proc.pid), "engine.py"], capture_output=True, text=True).stdout.split()
    for pid in engines:
        os.kill(int(pid), signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    expect(len(engines) == 1 and proc.returncode == 1 and "stopped (signal SIGKILL)" in err and f"The checkpoint in {crashed}" in err,
           f"reported with the checkpoint kept (exit {proc.returncode}): {err.strip().splitlines()[-1] if err.strip() else ''}")

    # A data-parallel helper that dies (an out-of-memory kill of one rank): rank 0 must not wait in its collective for torch's 30 minutes.
    helper_died = os.path.join(work, "helper-died")
    proc = subprocess.Popen([*CLI, "train", text, "--out", helper_died, "--engine", "pytorch", "--python", PYTHON, "--processes", "2",
                             "--steps", "100000", "--minutes", "0", "--eval-interval", "10", "--seed", "7"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not os.path.exists(os.path.join(helper_died, "seqlab.json")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    helpers = [pid for pid in descendants(proc.pid) if b"multiprocessing.spawn" in read_cmdline(pid)]
    for pid in helpers:
        os.kill(pid, signal.SIGKILL)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    expect(len(helpers) == 1 and proc.returncode == 1 and f"The checkpoint in {helper_died}" in err,
           f"a helper process killed mid-run is reported with the checkpoint kept (exit {proc.returncode}): {err.strip().splitlines()[-1] if err.strip() else ''}")
    time.sleep(1)
    left = [pid for pid in descendants(os.getpid()) if b"engine.py" in read_cmdline(pid) or b"multiprocessing" in read_cmdline(pid)]
    expect(not left, f"no PyTorch process left behind ({left})")

    print("6. clear messages", flush=True)
    no_torch = os.path.join(work, "python-without-torch")
    with open(no_torch, "w") as f:
        f.write(f"#!/bin/sh\nexec {PYTHON} -S \"$@\"\n")  # -S: no site-packages, so no torch
    os.chmod(no_torch, 0o755)
    r = train(text, os.path.join(work, "none"), "--engine", "pytorch", "--python", no_torch, "--steps", "5", check=False)
    expect(r.returncode == 1 and "has no PyTorch" in r.stderr and "pip install torch" in r.stderr, f"no torch: {r.stderr.strip().splitlines()[-1][:160]}")
    r = train(text, os.path.join(work, "auto"), "--engine", "auto", "--python", no_torch, "--steps", "5", check=False)
    expect(r.returncode == 0 and summary(r)["engine"] == "builtin", "auto without torch trains on the built-in engine")
    r = train(text, os.path.join(work, "fp16"), "--engine", "pytorch", "--python", PYTHON, "--device", "cpu", "--precision", "fp16", "--steps", "5", check=False)
    expect(r.returncode == 1 and "fp16 needs CUDA" in r.stderr, f"fp16 on the CPU: {r.stderr.strip().splitlines()[-1][:160]}")
    r = train(text, os.path.join(work, "cuda"), "--engine", "pytorch", "--python", PYTHON, "--device", "cuda", "--steps", "5", check=False)
    expect(r.returncode == 1 and "choose device auto or cpu" in r.stderr, f"no GPU: {r.stderr.strip().splitlines()[-1][:160]}")

    if failures:
        raise SystemExit(f"{len(failures)} check(s) failed: {failures}")
    print("all PyTorch engine checks passed")


if __name__ == "__main__":
    main()
