#!/usr/bin/env python3
"""SeqLab's experiment "lstm-vs-gru" in plain PyTorch: the two gated cells trained on the same
text with the same settings, compared over seeds; each trained model then continues a prompt.

Each run is SeqLab's training loop (the same as `seqlab train`): a character model (embedding 32,
`layers` of nn.LSTM or nn.GRU, a linear head) with SeqLab's initial weights for the seed, trained
on the first `maxCharacters` characters of the text (a built-in one, --corpus english or
chinese-news, SeqLab's generated Chinese news-like text as the chapter's; or --text FILE), the
`vocabMax` - 1 most frequent characters kept and the rest sharing one unknown token, with the
last 10% held out for validation. The table is SeqLab's: each cell's parameter count (what
sum(p.numel() for p in model.parameters()) says), its final and best validation loss, and the
seconds it took. Then each model writes `sampleLength` characters after the prompt, drawn as
`seqlab sample` draws them, and the second table says what share of their adjacent character
pairs occur in the text (characters drawn by frequency alone would reach the share it shows).

Same seed, same numbers as SeqLab: its weights and batches are drawn with its own generators
(below); float order makes the losses differ by about 1e-5, and can change a drawn character
where two are almost equally likely.

Run:  python3 lstm_vs_gru.py                     (the settings it was exported with)
      python3 lstm_vs_gru.py --corpus chinese-news --prompt 新华社上海
      python3 lstm_vs_gru.py --text my_notes.txt --steps 300
      python3 lstm_vs_gru.py --help
"""
import time

from seqlab_common import *  # noqa: F401,F403  (SeqLab's generators, text, model, training loop; written in on export)

SETTINGS = {"corpus": "english", "maxCharacters": 20000, "vocabMax": 300, "hidden": 128, "layers": 1, "seqLen": 64, "batch": 32, "steps": 150,
            "optimizer": "adam", "learningRate": 3e-3, "prompt": "", "sampleLength": 60, "temperature": 0.8, "seeds": 3, "seed": 1}
# The settings SeqLab exported this script with (the defaults of its options); SETTINGS gives their types.
EXPORTED = {}
HINTS = {"corpus": "the built-in text when there is no --text: english, or chinese-news (SeqLab's generated Chinese news-like text)",
         "prompt": "what the trained models continue ('': the text's own opening)", "sampleLength": "characters each model writes after the prompt (0: none)",
         "temperature": "sampling temperature (0: always the likeliest character)", "maxCharacters": "train on the text's first this-many characters", "vocabMax": "the most frequent characters kept (the rest share one unknown token)",
         "hidden": "hidden units", "layers": "recurrent layers", "seqLen": "window length", "batch": "windows per step", "steps": "training steps",
         "optimizer": "adam, sgd, rmsprop or adagrad", "learningRate": "learning rate", "seeds": "how many seeds", "seed": "the first seed"}


def main(argv=None):
    parser = settings_parser(__doc__.split("\n\n")[0], SETTINGS, HINTS, EXPORTED)
    parser.add_argument("--text", metavar="FILE", help="a UTF-8 text file to train on (default: SeqLab's built-in text)")
    s, as_json = parse_settings(parser, SETTINGS, argv)
    text_file = s.pop("text")
    if text_file:
        with open(text_file, encoding="utf-8") as f:
            text = f.read().lstrip("\ufeff")
    else:
        text = generate_chinese_news(80_000) if s["corpus"] == "chinese-news" else generate_corpus(80_000)
    text = text[:s["maxCharacters"]]
    if s["prompt"]:
        prompt = s["prompt"]
    elif text_file:
        prompt = text.lstrip().split("\n")[0][:8] or text[:8]
    else:
        prompt = CHINESE_NEWS_PROMPT if s["corpus"] == "chinese-news" else "The network"
    seen = set(char_pairs(text))

    def continue_prompt(seed):
        def after(model, tokens, capped):
            if s["sampleLength"] <= 0:
                return {}
            sample = sample_text(model, tokens, capped, prompt, s["sampleLength"], s["temperature"], seed)
            return {"sample": sample, "pairShare": pair_share(sample, prompt, seen)}
        return after
    runs = []
    for seed in range(s["seed"], s["seed"] + s["seeds"]):
        for cell in ("lstm", "gru"):
            if not as_json:
                print(f"{cell}, seed {seed} ...", file=sys.stderr)
            started = time.perf_counter()
            run = train_run(text, {"cell": cell, "hidden": s["hidden"], "layers": s["layers"], "seqLen": s["seqLen"], "batch": s["batch"],
                                   "steps": s["steps"], "optimizer": s["optimizer"], "lr": s["learningRate"], "vocabMax": s["vocabMax"],
                                   "evalInterval": max(1, s["steps"] // 10), "seed": seed}, after=continue_prompt(seed))
            runs.append({"cell": cell, "seed": seed, "seconds": time.perf_counter() - started, **run})
    if as_json:
        print(json.dumps({"experiment": "lstm-vs-gru", "settings": s, "runs": runs, "prompt": prompt, "unigramPairShare": unigram_pair_share(text)}, ensure_ascii=False))
        return
    mean = lambda values: sum(values) / len(values)
    rows = [["cell", "parameters", f"final validation loss after {s['steps']} steps (mean over seeds, range)", "best validation loss (mean over seeds)", "seconds (mean over seeds)"]]
    for cell in ("lstm", "gru"):
        rs = [r for r in runs if r["cell"] == cell]
        finals = [r["valLoss"][-1] for r in rs]
        spread = f" ({sig3(min(finals))}–{sig3(max(finals))})" if len(finals) > 1 else ""
        rows.append([cell, f"{rs[0]['parameters']:,}", sig3(mean(finals)) + spread, sig3(mean([r["bestValLoss"] for r in rs])), sig3(mean([r["seconds"] for r in rs]))])
    print_table(rows)
    print(f"A model that knows only how often each character occurs scores {sig3(runs[0]['unigramLoss'])}.")
    if s["sampleLength"] > 0:
        percent = lambda share: f"{100 * share:.1f}%"
        print(f"\nWhat each trained model writes after «{prompt}» ({s['sampleLength']} characters, temperature {s['temperature']}, drawn with the run's seed)")
        print_table([["cell", "seed", "continuation", "its character pairs found in the text"]]
                    + [[r["cell"], str(r["seed"]), r["sample"].replace("\n", " ↵ "), percent(r["pairShare"])] for r in runs]
                    + [["characters drawn by frequency alone", "", "", percent(unigram_pair_share(text)) + " (expected)"]])


if __name__ == "__main__":
    main()
