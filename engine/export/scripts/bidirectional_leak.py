#!/usr/bin/env python3
"""SeqLab's experiment "bidirectional-leak" in plain PyTorch: language models that predict the
character at position t from a bidirectional encoder, and whether x_t reaches its own prediction.

Each model predicts x_t at every position t from the forward state up to t-1 and the backward
state from t+1, as the chapter draws it (a shift by one step each way):
  uni            one forward nn.LSTM (the honest baseline)
  bi1            one bidirectional nn.LSTM layer
  bi2            nn.LSTM(num_layers=2, bidirectional=True): each layer's outputs feed both
                 directions of the next, so layer 2's forward state at t-1 has read x_t
  bi2-separate   two 2-layer stacks, one each way, joined only at the top
Each trains `steps` steps of Adam (gradients clipped at norm 1) on windows of SeqLab's built-in
text. Then the influence of each input on each prediction (the norm of d logit_t / d x_s for the
true character) is measured on one window: the diagonal is x_t on its own prediction, reported
relative to the mean off the diagonal. A model that leaks reaches a loss far below what is
honestly possible and cannot generate left to right.

Same seed, same numbers as SeqLab: its weights and batches are drawn with its own generators
(below); float order makes the losses differ by about 1e-5.

Run:  python3 bidirectional_leak.py             (the settings it was exported with)
      python3 bidirectional_leak.py --models bi1,bi2 --seeds 1 --steps 60
      python3 bidirectional_leak.py --help
"""
from seqlab_common import *  # noqa: F401,F403  (SeqLab's generators, text; written in on export)

SETTINGS = {"models": ["uni", "bi1", "bi2", "bi2-separate"], "hidden": 64, "embed": 32, "seqLen": 32, "batch": 16, "steps": 150,
            "learningRate": 5e-3, "influenceLength": 24, "generateLength": 60, "seeds": 3, "seed": 1}
# The settings SeqLab exported this script with (the defaults of its options); SETTINGS gives their types.
EXPORTED = {}
HINTS = {"models": "uni, bi1, bi2, bi2-separate", "hidden": "hidden units per direction", "embed": "embedding size", "seqLen": "window length",
         "batch": "windows per step", "steps": "training steps", "learningRate": "Adam's learning rate",
         "influenceLength": "the length of the window whose influence matrix is measured", "generateLength": "characters generated left to right",
         "seeds": "how many seeds", "seed": "the first seed"}


def shift(h, direction):
    """Along time: "down" puts h[t-1] at t (zeros first); "up" puts h[t+1] at t (zeros last)."""
    zeros = torch.zeros_like(h[:1])
    return torch.cat([zeros, h[:-1]]) if direction == "down" else torch.cat([h[1:], zeros])


class LeakModel(nn.Module):
    def __init__(self, kind, vocab, embed, hidden, seed):
        super().__init__()
        self.kind, self.hidden = kind, hidden
        rng = Random(seed)
        self.embedding = nn.Parameter(tfjs_normal([vocab, embed], 0, 1, rng.seed()))
        self.encoders = nn.ModuleList()

        def lstm(num_layers, bidirectional):
            m = nn.LSTM(embed, hidden, num_layers=num_layers, bidirectional=bidirectional)
            layer_rng, bound = Random(rng.seed()), 1 / math.sqrt(hidden)
            with torch.no_grad():  # SeqLab's order: layer by layer, forward direction then reverse
                for k in range(num_layers):
                    for suffix in (["", "_reverse"] if bidirectional else [""]):
                        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                            p = getattr(m, f"{name}_l{k}{suffix}")
                            p.copy_(tfjs_uniform(list(p.shape), -bound, bound, layer_rng.seed()))
            self.encoders.append(m)

        if kind == "uni":
            lstm(1, False)
        elif kind == "bi1":
            lstm(1, True)
        elif kind == "bi2":
            lstm(2, True)
        else:
            lstm(2, False)  # forward
            lstm(2, False)  # backward, run on the reversed sequence
        width = hidden if kind == "uni" else 2 * hidden
        bound = 1 / math.sqrt(width)
        self.head_weight = nn.Parameter(tfjs_uniform([vocab, width], -bound, bound, rng.seed()))
        self.head_bias = nn.Parameter(torch.zeros(vocab))

    def embed(self, ids):
        return self.embedding[ids.t()]  # (N, L) -> (L, N, E)

    def logits(self, x):
        """Logits (L, N, V) for predicting x_t at every t, from x (L, N, E)."""
        H = self.hidden
        if self.kind == "uni":
            features = shift(self.encoders[0](x)[0], "down")
        elif self.kind in ("bi1", "bi2"):
            out = self.encoders[0](x)[0]  # (L, N, 2H): the last layer's forward | backward
            features = torch.cat([shift(out[..., :H], "down"), shift(out[..., H:], "up")], dim=2)
        else:
            fwd = self.encoders[0](x)[0]
            bwd = self.encoders[1](x.flip(0))[0].flip(0)
            features = torch.cat([shift(fwd, "down"), shift(bwd, "up")], dim=2)
        return features @ self.head_weight.t() + self.head_bias

    def loss(self, ids):
        logits = self.logits(self.embed(ids))
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids.t().reshape(-1))


def run_one(kind, seed, s, tokens, ids):
    every = max(1, s["steps"] // 30)
    rng = Random(seed)
    model = LeakModel(kind, len(tokens), s["embed"], s["hidden"], seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=s["learningRate"])
    curve, steps = [], []
    for step in range(1, s["steps"] + 1):
        batch = random_windows(ids, s["batch"], s["seqLen"], rng)
        optimizer.zero_grad()
        loss = model.loss(batch)
        loss.backward()
        clip_gradients(list(model.parameters()), 1.0)
        optimizer.step()
        if step % every == 0 or step == s["steps"]:
            curve.append(loss.item())
            steps.append(step)
    # The influence of each input's embedding on each prediction's logit for its true character.
    seq = random_windows(ids, 1, s["influenceLength"], Random(seed + 99))
    L = seq.shape[1]
    x = model.embed(seq).detach()
    matrix = []
    for t in range(L):
        xs = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(model.logits(xs)[t, 0, seq[0, t]], xs)
        matrix.append([scaled_norm(g[s_]) for s_ in range(L)])
    diag = sum(matrix[t][t] for t in range(L)) / L
    off = sum(v for t, row in enumerate(matrix) for s_, v in enumerate(row) if s_ != t) / (L * (L - 1))
    # Left to right: position t predicted from the prefix and a space at t itself (which a leaking model reads).
    index = {ch: i for i, ch in enumerate(tokens)}
    prefix = [index[ch] for ch in "The forget gate"]
    out = []
    with torch.no_grad():
        for _ in range(s["generateLength"]):
            row = torch.tensor([prefix + out + [index[" "]]])
            out.append(int(model.logits(model.embed(row))[-1, 0].argmax()))
    return {"model": kind, "seed": seed, "lossCurve": curve, "steps": steps, "finalTrainLoss": curve[-1], "influence": matrix,
            "diagonalInfluence": diag / off if off > 0 else diag, "generated": "The forget gate" + "".join(tokens[i] for i in out)}


def main(argv=None):
    parser = settings_parser(__doc__.split("\n\n")[0], SETTINGS, HINTS, EXPORTED)
    s, as_json = parse_settings(parser, SETTINGS, argv)
    tokens, ids = corpus_ids(generate_corpus(120_000))
    runs = []
    for seed in range(s["seed"], s["seed"] + s["seeds"]):
        for kind in s["models"]:
            if not as_json:
                print(f"{kind}, seed {seed} ...", file=sys.stderr)
            runs.append(run_one(kind, seed, s, tokens, ids))
    if as_json:
        print(json.dumps({"experiment": "bidirectional-leak", "settings": s, "runs": runs}))
        return
    mean = lambda values: sum(values) / len(values)
    rows = [["model", "final training loss (nats/char, mean over seeds)", "x_t on its own prediction, relative to the others (mean)", "seeds where x_t reached its own prediction", "generated left to right (first seed)"]]
    for kind in s["models"]:
        rs = [r for r in runs if r["model"] == kind]
        rows.append([kind, sig3(mean([r["finalTrainLoss"] for r in rs])), sig3(mean([r["diagonalInfluence"] for r in rs])),
                     f"{sum(r['diagonalInfluence'] > 0.01 for r in rs)} of {len(rs)}", repr(rs[0]["generated"])])
    print_table(rows)


if __name__ == "__main__":
    main()
