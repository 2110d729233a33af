#!/usr/bin/env python3
"""SeqLab's experiment "cell-walkthrough" in plain PyTorch: nn.LSTMCell stepped by hand for one and
two layers against the nn.LSTM module, and the shapes nn.LSTM takes and gives.

The chapter steps nn.LSTMCell over a sequence, then stacks two cells where layer 1 passes only h
(never c) up to layer 2, and says this is what nn.LSTM does. Here the hand loop runs with the
module's own weights (SeqLab's initial weights for the seed) on the same input, and the largest
difference to the module's output, h_n and c_n is measured. Then the shape explorer runs the
nn.LSTM you describe (`explore`), and nn.LSTM(10, 20, num_layers=2, bidirectional=True,
batch_first=True) on a batch of 3 shows what batch_first changes (the input and output) and what it
does not (h_0, c_0, h_n and c_n stay (D * num_layers, N, H_out)), with its parameters by name.

The shapes and names are PyTorch's own, so they equal SeqLab's exactly; the differences between
loop and module are float rounding (about 1e-7) in both.

Run:  python3 cell_walkthrough.py              (the settings it was exported with)
      python3 cell_walkthrough.py --explore-batch-first true --explore-num-layers 3
      python3 cell_walkthrough.py --help
"""
from seqlab_common import *  # noqa: F401,F403  (SeqLab's generators; written in on export)

SETTINGS = {"seqLen": 5, "batch": 3, "inputSize": 10, "hiddenSize": 20,
            "explore": {"seqLen": 7, "batch": 4, "inputSize": 10, "hiddenSize": 20, "numLayers": 2, "bidirectional": True, "batchFirst": False},
            "seed": 1}
# The settings SeqLab exported this script with (the defaults of its options); SETTINGS gives their types.
EXPORTED = {}
HINTS = {"seqLen": "the hand loop's steps", "batch": "the hand loop's batch", "inputSize": "input size", "hiddenSize": "hidden size",
         "explore.seqLen": "the explored module's sequence length", "explore.batch": "its batch", "explore.inputSize": "its input_size",
         "explore.hiddenSize": "its hidden_size", "explore.numLayers": "its num_layers", "explore.bidirectional": "its bidirectional",
         "explore.batchFirst": "its batch_first", "seed": "the seed of the weights and the input"}


def seqlab_lstm(input_size, hidden_size, num_layers, seed):
    """nn.LSTM with SeqLab's initial weights for the seed (each U(-1/sqrt(hidden), 1/sqrt(hidden)), drawn in its order)."""
    lstm = nn.LSTM(input_size, hidden_size, num_layers=num_layers)
    rng, bound = Random(seed), 1 / math.sqrt(hidden_size)
    with torch.no_grad():
        for k in range(num_layers):
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                p = getattr(lstm, f"{name}_l{k}")
                p.copy_(tfjs_uniform(list(p.shape), -bound, bound, rng.seed()))
    return lstm


def hand_loop_against_module(layers, s, steps):
    """The largest |hand loop - nn.LSTM| over output, h_n and c_n; the loop's shapes go into `steps`."""
    lstm = seqlab_lstm(s["inputSize"], s["hiddenSize"], layers, s["seed"])
    cells = [nn.LSTMCell(s["inputSize"] if k == 0 else s["hiddenSize"], s["hiddenSize"]) for k in range(layers)]
    with torch.no_grad():
        for k, cell in enumerate(cells):  # the cells take the module's own weights
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, name).copy_(getattr(lstm, f"{name}_l{k}"))
        x = tfjs_normal([s["seqLen"], s["batch"], s["inputSize"]], 0, 1, s["seed"])  # (seq_len, batch, input_size)
        output, (h_n, c_n) = lstm(x)
        h = [torch.zeros(s["batch"], s["hiddenSize"]) for _ in cells]
        c = [torch.zeros(s["batch"], s["hiddenSize"]) for _ in cells]
        outputs = []
        for t in range(s["seqLen"]):
            layer_input = x[t]
            for k, cell in enumerate(cells):
                h[k], c[k] = cell(layer_input, (h[k], c[k]))
                if layers == 2:
                    steps.append({"t": t, "layer": k, "x": list(layer_input.shape), "h": list(h[k].shape), "c": list(c[k].shape)})
                layer_input = h[k]  # only h goes up a layer; c stays in its layer
            outputs.append(layer_input)
        return max((torch.stack(outputs) - output).abs().max().item(), (torch.stack(h) - h_n).abs().max().item(),
                   (torch.stack(c) - c_n).abs().max().item())


def shapes_of(input_size, hidden_size, num_layers, bidirectional, batch_first, seq_len, batch):
    D = 2 if bidirectional else 1
    lstm = nn.LSTM(input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    x = torch.randn(batch, seq_len, input_size) if batch_first else torch.randn(seq_len, batch, input_size)
    h0 = torch.zeros(D * num_layers, batch, hidden_size)  # batch_first does not apply to the states
    c0 = torch.zeros(D * num_layers, batch, hidden_size)
    with torch.no_grad():
        output, (h_n, c_n) = lstm(x, (h0, c0))
    return lstm, {"input": list(x.shape), "h0": list(h0.shape), "c0": list(c0.shape), "output": list(output.shape), "hN": list(h_n.shape), "cN": list(c_n.shape)}


def main(argv=None):
    parser = settings_parser(__doc__.split("\n\n")[0], SETTINGS, HINTS, EXPORTED)
    s, as_json = parse_settings(parser, SETTINGS, argv)
    steps = []
    difference = {"oneLayer": hand_loop_against_module(1, s, steps), "twoLayers": hand_loop_against_module(2, s, steps)}
    e = s["explore"]
    _, shapes = shapes_of(e["inputSize"], e["hiddenSize"], e["numLayers"], e["bidirectional"], e["batchFirst"], e["seqLen"], e["batch"])
    # batch_first=True on a batch of 3 (not D * num_layers = 4, so the two layouts cannot be confused)
    lstm, first = shapes_of(10, 20, 2, True, True, 7, 3)
    try:
        lstm(torch.zeros(3, 7, 10), (torch.zeros(3, 4, 20), torch.zeros(3, 4, 20)))  # h_0 laid out batch first: refused
        refused = None
    except RuntimeError as err:
        refused = str(err)
    parameters = [{"name": name, "shape": list(p.shape)} for name, p in lstm.named_parameters()]
    result = {"steps": steps, "maxDifference": difference, "shapes": shapes, "batchFirst": {"shapes": first, "batchFirstH0Error": refused}, "parameters": parameters}
    if as_json:
        print(json.dumps({"experiment": "cell-walkthrough", "settings": s, "result": result}))
        return
    fmt = lambda shape: "(" + ", ".join(map(str, shape)) + ")"
    print(f"The hand loop: two stacked LSTMCell({s['inputSize']}, {s['hiddenSize']}), input (seq_len {s['seqLen']}, batch {s['batch']}, {s['inputSize']})")
    print_table([["time step t", "layer", "x_t in", "h out", "c out"]] + [[st["t"], st["layer"], fmt(st["x"]), fmt(st["h"]), fmt(st["c"])] for st in steps]
                + [["max |hand loop − nn.LSTM| (output, h_n, c_n)", f"1 layer: {difference['oneLayer']:.1e}", f"2 layers: {difference['twoLayers']:.1e}", "", ""]])
    py = lambda b: "True" if b else "False"
    print(f"\nThe shape explorer: nn.LSTM({e['inputSize']}, {e['hiddenSize']}, num_layers={e['numLayers']}, bidirectional={py(e['bidirectional'])}, "
          f"batch_first={py(e['batchFirst'])}), input of seq_len {e['seqLen']}, batch {e['batch']}")
    names = {"input": "input", "h0": "h_0", "c0": "c_0", "output": "output", "hN": "h_n", "cN": "c_n"}
    print_table([["tensor", "shape"]] + [[names[k], fmt(v)] for k, v in shapes.items()])
    print("\nnn.LSTM(10, 20, num_layers=2, bidirectional=True, batch_first=True) on a batch of 3: "
          + ", ".join(f"{names[k]} {fmt(v)}" for k, v in first.items()))
    print(f"h_0 laid out batch first, (3, 4, 20): {refused or 'accepted'}")
    print("its parameters (each direction its own, none shared): " + ", ".join(f"{p['name']} {fmt(p['shape'])}" for p in parameters))


if __name__ == "__main__":
    main()
