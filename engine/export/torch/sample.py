#!/usr/bin/env python3
"""Continue a prompt with a SeqLab model in PyTorch, with SeqLab's sampling options.

  python3 sample.py --prompt "The forget gate" --temperature 0      # greedy: SeqLab's continuation
  python3 sample.py --prompt "春眠不觉晓" --length 100 --seed 7        # sampled: the same seed draws as SeqLab

At temperature 0 it picks the most likely character every time, as `seqlab sample
--temperature 0` does; with a seed it draws with SeqLab's generator (mulberry32), so the
same seed gives the same choices wherever both compute the same probabilities.
"""
import argparse
import random
import re
import sys

import torch

from model import Random, choose_token, load_checkpoint


# Control characters (C0 but tab and newline, DEL, C1) and bidi overrides in the model's
# text become U+FFFD, so a token cannot move the cursor or rewrite the terminal; SeqLab's
# own `seqlab sample` prints the same.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text):
    return _CONTROL.sub("\ufffd", text)


# SeqLab's generation options: the default and range of each, as `seqlab sample` and Generate
# Continuation have them. Written in by SeqLab's export from its schema
# (engine/model/generationConfig.ts), so that this script and SeqLab cannot disagree.
GENERATION = None  # SEQLAB_GENERATION_OPTIONS


def out_of_range(name, value):
    """A message when `value` is outside the option's range, else None."""
    r = GENERATION[name]
    if value is None and r["default"] is None:
        return None
    if value < r.get("min", value) or ("above" in r and value <= r["above"]) or value > r.get("max", value):
        low = f"at least {r['min']}" if "min" in r else f"above {r['above']}" if "above" in r else None
        high = f"at most {r['max']}" if "max" in r else None
        return f"--{name.replace('_', '-')} must be " + " and ".join(x for x in (low, high) if x)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default="checkpoint", help="a SeqLab checkpoint folder (default: checkpoint)")
    ap.add_argument("--prompt", default="", help="text to continue")
    ap.add_argument("--length", type=int, default=GENERATION["length"]["default"], help="characters to generate (default %(default)s)")
    ap.add_argument("--temperature", type=float, default=GENERATION["temperature"]["default"], help="softmax temperature, 0 = always the most likely (default %(default)s)")
    ap.add_argument("--top-k", type=int, default=GENERATION["top_k"]["default"], help="sample among the k most likely only, 0 = all (default %(default)s)")
    ap.add_argument("--top-p", type=float, default=GENERATION["top_p"]["default"], help="sample among the smallest set reaching this probability (default %(default)s)")
    ap.add_argument("--stop", nargs="*", default=[], help="stop before any of these strings")
    ap.add_argument("--seed", type=int, default=GENERATION["seed"]["default"], help="random seed (default: a fresh one)")
    ap.add_argument("--max-prompt-tokens", type=int, default=GENERATION["max_prompt_tokens"]["default"], help="only the last this-many prompt tokens condition the model (default %(default)s)")
    args = ap.parse_args()
    problems = [p for p in (out_of_range(name, getattr(args, name)) for name in GENERATION) if p]
    if problems:
        raise SystemExit("; ".join(problems))

    model, vocab, _, _ = load_checkpoint(args.checkpoint)
    rng = Random(args.seed if args.seed is not None else random.getrandbits(32))
    ids = vocab.encode(args.prompt)[-args.max_prompt_tokens:]
    if not ids:
        newline = vocab.encode("\n")
        ids = [newline[0] if newline else 0]
        print("warning: the prompt has no characters the model knows: generation starts from a line break", file=sys.stderr)
    decode = vocab.stream_decoder()
    stops = [s for s in args.stop if s]
    longest = max((len(s) for s in stops), default=0)
    held, out = "", sys.stdout
    with torch.no_grad():
        state = None
        if len(ids) > 1:  # the prompt but its last token in one pass, as SeqLab does
            _, state = model(torch.tensor([ids[:-1]]))
        logits, state = model(torch.tensor([[ids[-1]]]), state)
        for n in range(args.length):
            token = choose_token(logits[-1].tolist(), args.temperature, args.top_k, args.top_p, rng.next())
            held += decode(token)
            hits = [i for i in (held.find(s) for s in stops) if i >= 0]
            if hits:
                out.write(terminal_safe(held[:min(hits)]))
                break
            safe = max(0, len(held) - max(0, longest - 1))
            out.write(terminal_safe(held[:safe]))
            out.flush()
            held = held[safe:]
            if n + 1 < args.length:
                logits, state = model(torch.tensor([[token]]), state)
        else:
            out.write(terminal_safe(held))
    out.write("\n")


if __name__ == "__main__":
    main()
