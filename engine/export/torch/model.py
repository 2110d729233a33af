"""SeqLab's character language model in plain PyTorch, and what it needs around it.

Written by `seqlab export-torch`. Nothing here needs SeqLab or the safetensors package:

  CharLM                  Embedding -> LSTM / GRU / RNN -> Linear, with SeqLab's parameter names
                          (embedding.weight, rnn.weight_ih_l0, ..., head.weight, head.bias)
  read_safetensors        the tensor files, read with the standard library (little-endian F32)
  write_safetensors       and written back, so a continued run loads into SeqLab again
  Vocabulary              SeqLab's vocabulary: NFC code points, or UTF-8 bytes
  Random                  SeqLab's seeded generator (mulberry32): the same batches and samples
  load_checkpoint         a SeqLab checkpoint folder -> model, vocabulary, seqlab.json, optimiser state
  save_checkpoint         a SeqLab checkpoint folder (seqlab.json, model.safetensors, optimizer.safetensors)
"""
import codecs
import hashlib
import json
import math
import os
import struct
import sys
import tempfile
import unicodedata
from datetime import datetime, timezone

import torch
from torch import nn

META_FILE = "seqlab.json"
MODEL_FILE = "model.safetensors"
OPTIMIZER_FILE = "optimizer.safetensors"
UNKNOWN_TOKEN = "\ufffd"


# --- the model -------------------------------------------------------------------------

class SigmoidRNN(nn.Module):
    """An Elman RNN with the logistic sigmoid, which torch.nn.RNN does not offer
    (tanh and relu only): h_t = sigmoid(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)."""

    def __init__(self, input_size, hidden_size, num_layers=1, dropout=0.0):
        super().__init__()
        self.hidden_size, self.num_layers, self.dropout = hidden_size, num_layers, dropout
        bound = 1 / math.sqrt(hidden_size)
        for k in range(num_layers):
            size_in = input_size if k == 0 else hidden_size
            for name, shape in [("weight_ih", (hidden_size, size_in)), ("weight_hh", (hidden_size, hidden_size)),
                                ("bias_ih", (hidden_size,)), ("bias_hh", (hidden_size,))]:
                self.register_parameter(f"{name}_l{k}", nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))

    def forward(self, x, h0=None):  # x: (L, N, input_size), like nn.RNN
        L, N = x.shape[0], x.shape[1]
        h_n = []
        for k in range(self.num_layers):
            w_ih, w_hh = getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}")
            b = getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}")
            h = h0[k] if h0 is not None else x.new_zeros(N, self.hidden_size)
            pre = x @ w_ih.t() + b
            outs = []
            for t in range(L):
                h = torch.sigmoid(pre[t] + h @ w_hh.t())
                outs.append(h)
            x = torch.stack(outs)
            h_n.append(h)
            if self.training and self.dropout > 0 and k < self.num_layers - 1:
                x = nn.functional.dropout(x, self.dropout)
        return x, torch.stack(h_n)


class CharLM(nn.Module):
    """SeqLab's CharLM: ids (N, L) -> logits (L*N, V) in time-major order (row t*N + n)."""

    def __init__(self, vocab_size, embedding_size, hidden_size, num_layers=1, cell="lstm", dropout=0.0):
        super().__init__()
        self.cell = cell
        self.embedding = nn.Embedding(vocab_size, embedding_size)
        if cell == "lstm":
            self.rnn = nn.LSTM(embedding_size, hidden_size, num_layers, dropout=dropout)
        elif cell == "gru":
            self.rnn = nn.GRU(embedding_size, hidden_size, num_layers, dropout=dropout)
        elif cell in ("rnn-tanh", "rnn-relu"):
            self.rnn = nn.RNN(embedding_size, hidden_size, num_layers, nonlinearity=cell[4:], dropout=dropout)
        elif cell == "rnn-sigmoid":
            self.rnn = SigmoidRNN(embedding_size, hidden_size, num_layers, dropout=dropout)
        else:
            raise ValueError(f"unknown cell {cell!r}")
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids, state=None):
        """ids: (N, L) token ids. Returns logits (L*N, V) and the final state (h_n, or (h_n, c_n))."""
        x = self.embedding(ids.t())  # (L, N, E): time first, as SeqLab and nn.LSTM's default
        out, state = self.rnn(x, state)
        return self.head(out.reshape(-1, out.shape[-1])), state

    def loss(self, windows):
        """Mean cross-entropy (nats per character) of predicting windows[:, 1:] from windows[:, :-1]."""
        logits, _ = self(windows[:, :-1])
        return nn.functional.cross_entropy(logits, windows[:, 1:].t().reshape(-1))


# --- safetensors, with the standard library ---------------------------------------------

def read_safetensors(path):
    """Tensors by name from a .safetensors file (F32, as SeqLab writes), and its metadata."""
    if sys.byteorder != "little":
        raise SystemExit("safetensors holds little-endian floats; this reader needs a little-endian machine")
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} has dtype {info['dtype']}; SeqLab writes F32")
        start, end = info["data_offsets"]
        raw = bytearray(data[base + start:base + end])
        flat = torch.frombuffer(raw, dtype=torch.float32) if raw else torch.zeros(0)
        tensors[name] = flat.reshape(info["shape"]).clone()
    return tensors, header.get("__metadata__", {})


def write_safetensors(path, tensors, metadata=None):
    """Writes F32 tensors as safetensors (names sorted, offsets in order, header padded to 8 bytes)."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu", torch.float32).contiguous()
        raw = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


# --- vocabulary and randomness, as SeqLab has them ------------------------------------------

class Vocabulary:
    """Character level: NFC code points (U+FFFD first stands for unknown characters when
    the vocabulary is capped). Byte level: the 256 UTF-8 byte values."""

    def __init__(self, mode, tokens=None, capped=False):
        self.mode, self.tokens, self.capped = mode, tokens or [], capped
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def from_json(cls, data):
        return cls("byte") if data["mode"] == "byte" else cls("char", data["tokens"], data.get("capped", False))

    def to_json(self):
        return {"mode": "byte"} if self.mode == "byte" else {"mode": "char", "tokens": self.tokens, "capped": self.capped}

    @property
    def size(self):
        return 256 if self.mode == "byte" else len(self.tokens)

    def encode(self, text):
        """Ids of the text; characters without a token become the unknown token (capped) or are skipped."""
        text = unicodedata.normalize("NFC", text)
        if self.mode == "byte":
            return list(text.encode("utf-8"))
        ids = []
        for ch in text:
            i = self.index.get(ch)
            if i is not None:
                ids.append(i)
            elif self.capped:
                ids.append(0)
        return ids

    def stream_decoder(self):
        """A function from one id to the text it completes (bytes of a character are held back)."""
        if self.mode == "char":
            return lambda i: self.tokens[i] if 0 <= i < len(self.tokens) else UNKNOWN_TOKEN
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        return lambda i: decoder.decode(bytes([i]), final=False)


class Random:
    """SeqLab's seeded generator (mulberry32): the same seed gives the same numbers as SeqLab."""
    MASK = 0xFFFFFFFF

    def __init__(self, state):
        self.state = state & self.MASK

    def next(self):
        m = self.MASK
        self.state = (self.state + 0x6D2B79F5) & m
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & m
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & m)) & m
        return ((t ^ (t >> 14)) & m) / 4294967296

    def int(self, n):
        return math.floor(self.next() * n)

    def seed(self):
        return self.int(0x7FFFFFFF)


def choose_token(logits, temperature, top_k=0, top_p=1.0, u=0.0):
    """SeqLab's choice of the next token: greedy at temperature 0, else softmax with
    temperature, then top-k, then top-p, drawn with the uniform number u."""
    n = len(logits)
    if temperature <= 0:
        return max(range(n), key=lambda i: (logits[i], -i))
    order = sorted(range(n), key=lambda i: -logits[i])
    if 0 < top_k < n:
        order = order[:top_k]
    top = logits[order[0]]
    probs = [math.exp((logits[i] - top) / temperature) for i in order]
    total = sum(probs)
    probs = [p / total for p in probs]
    if top_p < 1:
        acc, keep = 0.0, 0
        while keep < len(probs) and acc < top_p:
            acc += probs[keep]
            keep += 1
        order, probs = order[:max(1, keep)], probs[:max(1, keep)]
        total = sum(probs)
        probs = [p / total for p in probs]
    acc = 0.0
    for k, p in enumerate(probs):
        acc += p
        if u < acc:
            return order[k]
    return order[-1]


# --- checkpoints ------------------------------------------------------------------------------

def load_checkpoint(folder, device="cpu"):
    """A SeqLab checkpoint folder -> (model in eval mode, vocabulary, seqlab.json, optimiser state tensors)."""
    with open(os.path.join(folder, META_FILE), encoding="utf-8") as f:
        meta = json.load(f)
    if meta.get("format") != "seqlab-checkpoint":
        raise ValueError(f"{folder} is not a SeqLab checkpoint (no seqlab.json with format seqlab-checkpoint)")
    m = meta["model"]
    if m.get("normalization", "none") != "none":
        raise ValueError("this model uses normalised cells, which torch.nn has no twin for")
    model = CharLM(m["vocabSize"], m["embeddingSize"], m["hiddenSize"], m["numLayers"], m["cell"], m.get("dropout", 0.0))
    weights, _ = read_safetensors(os.path.join(folder, MODEL_FILE))
    model.load_state_dict(weights, strict=True)
    model.to(device).eval()
    optimizer_state, _ = read_safetensors(os.path.join(folder, OPTIMIZER_FILE))
    return model, Vocabulary.from_json(meta["vocabulary"]), meta, optimizer_state


def save_checkpoint(folder, model, optimizer_name, optimizer_state, meta):
    """Writes a SeqLab checkpoint (it loads in SeqLab: `seqlab sample --model FOLDER`), replacing
    the folder only when it is empty or a SeqLab checkpoint; written beside it, then swapped in."""
    known = {META_FILE, MODEL_FILE, OPTIMIZER_FILE}
    if os.path.exists(folder) and (not os.path.isdir(folder) or set(os.listdir(folder)) - known):
        raise SystemExit(f"{folder} exists and holds more than a SeqLab checkpoint: choose another --out")
    parent = os.path.dirname(os.path.abspath(folder))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=os.path.basename(folder) + ".tmp-", dir=parent)
    write_safetensors(os.path.join(staging, MODEL_FILE), model.state_dict(), {"format": "pt", "producer": "seqlab-export"})
    write_safetensors(os.path.join(staging, OPTIMIZER_FILE), optimizer_state, {"optimizer": optimizer_name})
    files = {}
    for name in (MODEL_FILE, OPTIMIZER_FILE):
        with open(os.path.join(staging, name), "rb") as f:
            files[name] = hashlib.sha256(f.read()).hexdigest()
    meta = dict(meta, created=datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"), files=files)
    with open(os.path.join(staging, META_FILE), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2, ensure_ascii=False)
        f.write("\n")
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
        os.rmdir(folder)
    os.rename(staging, folder)
