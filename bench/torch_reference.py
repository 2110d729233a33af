#!/usr/bin/env python3
"""PyTorch twin of SeqLab's CharLM training step, for `npm run bench`.

A line-oriented server so the benchmark can interleave rounds with SeqLab's in one
run: it reads one JSON object per line from stdin and answers one JSON line.
  {"cmd": "setup", "cell": "lstm", "vocab": 96, "embed": 64, "hidden": 256,
   "layers": 1, "batch": 32, "seqLen": 64, "threads": 1}     -> {"ok": true, "torch": "1.13.0"}
  {"cmd": "threads", "threads": 2}                            -> {"threads": 2}
  {"cmd": "round", "steps": 5}                                -> {"seconds": ..., "loss": ...}
Run with Debian's PyTorch (/usr/bin/python3). Set OMP_WAIT_POLICY=PASSIVE for >1 thread.
"""
import json
import sys
import time

import torch


class CharLM(torch.nn.Module):
    def __init__(self, cell, vocab, embed, hidden, layers):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, embed)
        if cell == "lstm":
            self.rnn = torch.nn.LSTM(embed, hidden, layers)
        elif cell == "gru":
            self.rnn = torch.nn.GRU(embed, hidden, layers)
        else:
            self.rnn = torch.nn.RNN(embed, hidden, layers, nonlinearity=cell.split("-")[1])
        self.head = torch.nn.Linear(hidden, vocab)

    def forward(self, ids):  # ids: (N, L) -> logits (L*N, V), time-major like SeqLab
        x = self.embedding(ids.t())
        out, _ = self.rnn(x)
        return self.head(out.reshape(-1, out.shape[-1]))


def main():
    state = {}
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["cmd"] == "setup":
            torch.manual_seed(0)
            torch.set_num_threads(msg.get("threads", 1))
            model = CharLM(msg["cell"], msg["vocab"], msg["embed"], msg["hidden"], msg["layers"])
            opt = torch.optim.Adam(model.parameters(), lr=2e-3)
            windows = torch.randint(0, msg["vocab"], (msg["batch"], msg["seqLen"] + 1))
            state = {"model": model, "opt": opt, "windows": windows}
            reply = {"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                     "blas": "openblas" if "openblas" in torch.__config__.show().lower() else "other"}
        elif msg["cmd"] == "threads":
            torch.set_num_threads(msg["threads"])
            reply = {"threads": torch.get_num_threads()}
        elif msg["cmd"] == "round":
            model, opt, w = state["model"], state["opt"], state["windows"]
            inputs, targets = w[:, :-1], w[:, 1:].t().reshape(-1)
            start = time.perf_counter()
            for _ in range(msg["steps"]):
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(inputs), targets)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                opt.step()
            reply = {"seconds": time.perf_counter() - start, "loss": loss.item()}
        else:
            reply = {"error": f"unknown cmd {msg['cmd']}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
