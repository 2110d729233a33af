#!/usr/bin/env python3
"""Interop check: SeqLab checkpoints load into PyTorch and give the same logits.

For each cell type, trains a small model with the `seqlab` command line, loads its
model.safetensors into torch.nn.Embedding + LSTM/GRU/RNN + Linear (the state_dict names
are PyTorch's, so load_state_dict(strict=True) takes them as they are), runs a prompt,
and compares PyTorch's logits with those `seqlab probe --json` reports: they must agree
within 1e-4. Then connectivity ("what drove each character"): PyTorch's autograd gives
||d log p(x_{t+1}) / d e_s|| by one backward pass per prediction over the whole prompt; it
must equal the probe's batched `connectivity` rows within 1e-4 of each row's largest value. Needs Debian's PyTorch (apt-get install python3-torch) and a built dist/.

Run: /usr/bin/python3 test/interop/check_torch_interop.py   (npm run test:interop)
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = [os.environ.get("NODE", "node"), os.path.join(ROOT, "dist", "cli.js")]
TOLERANCE = 1e-4


def load_safetensors(path):
    """The safetensors format by hand: u64 header length, JSON header, raw float32 data."""
    with open(path, "rb") as fh:
        raw = fh.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        begin, end = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).reshape(info["shape"]).clone()
    return out


class CharLM(torch.nn.Module):
    def __init__(self, meta):
        super().__init__()
        m = meta["model"]
        self.embedding = torch.nn.Embedding(m["vocabSize"], m["embeddingSize"])
        args = (m["embeddingSize"], m["hiddenSize"], m["numLayers"])
        cell = m["cell"]
        if cell == "lstm":
            self.rnn = torch.nn.LSTM(*args)
        elif cell == "gru":
            self.rnn = torch.nn.GRU(*args)
        else:
            self.rnn = torch.nn.RNN(*args, nonlinearity=cell.split("-")[1])
        self.head = torch.nn.Linear(m["hiddenSize"], m["vocabSize"])

    def forward(self, ids):  # ids: (L,) -> logits (L, V)
        return self.from_embedded(self.embedding(ids))

    def from_embedded(self, e):  # e: (L, E) -> logits (L, V)
        out, _ = self.rnn(e.unsqueeze(1))
        return self.head(out.squeeze(1))


def encode(meta, text):
    tokens = meta["vocabulary"]["tokens"]
    index = {t: i for i, t in enumerate(tokens)}
    return [index[c] for c in text]


def check(cell, workdir):
    text_file = os.path.join(workdir, f"{cell}.txt")
    with open(text_file, "w") as fh:
        fh.write("The forget gate decides what to keep of the cell state; the input gate decides what to write.\n" * 30)
    model_dir = os.path.join(workdir, f"model-{cell}")
    subprocess.run(CLI + ["train", text_file, "--out", model_dir, "--cell", cell, "--layers", "2", "--hidden", "24",
                          "--embed", "8", "--seq-len", "24", "--batch", "8", "--steps", "40", "--json"],
                   check=True, capture_output=True)
    prompt = "The input gate decides"
    probe = json.loads(subprocess.run(CLI + ["probe", "--model", model_dir, "--text", prompt, "--json"],
                                      check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    with open(os.path.join(model_dir, "seqlab.json")) as fh:
        meta = json.load(fh)
    model = CharLM(meta)
    model.load_state_dict(load_safetensors(os.path.join(model_dir, "model.safetensors")), strict=True)
    model.eval()
    with torch.no_grad():
        ids = torch.tensor(encode(meta, prompt)[:-1])
        logits = model(ids)
    theirs = torch.tensor(probe["logits"])
    diff = (logits - theirs).abs().max().item()
    status = "ok" if diff <= TOLERANCE else "MISMATCH"
    print(f"{cell:10s} layers 2: max |PyTorch logits - SeqLab logits| = {diff:.2e}  {status}")
    # Connectivity: row t, entry k = ||d log p(ids[t+1]) / d e_{t-k}||, by autograd, one prediction at a time.
    full = encode(meta, prompt)
    worst = 0.0
    for t, row in enumerate(probe["connectivity"]["rows"]):
        e = model.embedding(torch.tensor(full[:-1])).detach().requires_grad_(True)
        logp = torch.log_softmax(model.from_embedded(e)[t], dim=-1)[full[t + 1]]
        (grad,) = torch.autograd.grad(logp, e)
        norms = grad.norm(dim=1)
        mine = torch.tensor([norms[t - k].item() for k in range(len(row))])
        scale = max(mine.abs().max().item(), 1e-12)
        worst = max(worst, (mine - torch.tensor(row)).abs().max().item() / scale)
    connected = worst <= TOLERANCE
    print(f"{cell:10s} layers 2: connectivity, max |PyTorch - SeqLab| / row max = {worst:.2e}  {'ok' if connected else 'MISMATCH'}")
    return diff <= TOLERANCE and connected


def main():
    with tempfile.TemporaryDirectory() as workdir:
        results = [check(cell, workdir) for cell in ["lstm", "gru", "rnn-tanh", "rnn-relu"]]
    passed = sum(results)
    print(f"interop: {passed} passed, {len(results) - passed} failed")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
