#!/usr/bin/env python3
"""Continue training a SeqLab model in PyTorch, on one process or many (DistributedDataParallel).

  python3 train.py --text corpus.txt --steps 200
  torchrun --nproc_per_node=4 train.py --text corpus.txt --steps 200

It continues where SeqLab stopped: the same weights, optimiser state (Adam's moments and
step count, or SGD's / RMSprop's / Adagrad's), learning-rate schedule, clipping, batch
size, window length, validation split and the same random batches (SeqLab's generator,
resumed from the checkpoint). Under torchrun each process takes its share of every batch
and DistributedDataParallel averages the gradients (gloo on CPUs, nccl on GPUs), so the
step is the full batch's, whatever the process count. Rank 0 writes a SeqLab checkpoint
to --out, which `seqlab sample --model OUT` and SeqLab's Load Model read.
"""
import argparse
import hashlib
import math
import os
import time
import unicodedata

import torch
import torch.distributed as dist

from model import Random, load_checkpoint, save_checkpoint

STATE_NAMES = {"adam": ["exp_avg", "exp_avg_sq"], "sgd": ["momentum_buffer"], "rmsprop": ["square_avg"], "adagrad": ["sum"]}


def learning_rate_at(step, c):
    """SeqLab's schedule (1-based step): linear warm-up, then constant, step or cosine."""
    lr, warmup = c["lr"], c.get("warmupSteps", 0)
    if warmup > 0 and step <= warmup:
        return lr * step / warmup
    t = step - warmup
    if c.get("schedule") == "step":
        return lr * c["lrGamma"] ** (t // c["lrStepSize"])
    if c.get("schedule") == "cosine":
        span = max(1, c["steps"] - warmup)
        low = lr * c["lrMinRatio"]
        return low + 0.5 * (lr - low) * (1 + math.cos(math.pi * min(1.0, t / span)))
    return lr


def make_optimizer(model, c, saved, step):
    """torch.optim's twin of the SeqLab optimiser, holding the saved state (tensors named `exp_avg.<param>`)."""
    name, params = c.get("optimizer", "adam"), list(model.parameters())
    wd = c.get("weightDecay", 0)
    if name == "adam":
        opt = torch.optim.Adam(params, lr=c["lr"], weight_decay=wd)
    elif name == "sgd":
        opt = torch.optim.SGD(params, lr=c["lr"], momentum=c.get("momentum", 0.9), weight_decay=wd)
    elif name == "rmsprop":
        opt = torch.optim.RMSprop(params, lr=c["lr"], alpha=0.99, eps=1e-8, weight_decay=wd)
    elif name == "adagrad":
        opt = torch.optim.Adagrad(params, lr=c["lr"], eps=1e-10, weight_decay=wd)
    else:
        raise SystemExit(f"unknown optimizer {name!r}")
    if step > 0:
        state = opt.state_dict()
        for i, (pname, p) in enumerate(model.named_parameters()):
            entry = {s: saved[f"{s}.{pname}"].to(p.device).clone() for s in STATE_NAMES[name]}
            if name != "sgd":
                entry["step"] = torch.tensor(float(step))
            state["state"][i] = entry
        opt.load_state_dict(state)
    return opt


def optimizer_tensors(opt, model, name):
    """The optimiser's state under SeqLab's names, for the checkpoint."""
    out = {}
    for pname, p in model.named_parameters():
        st = opt.state.get(p, {})
        for s in STATE_NAMES[name]:
            out[f"{s}.{pname}"] = st.get(s, torch.zeros_like(p)).detach().cpu()
    return out


def validation_windows(ids, seq_len, count):
    """SeqLab's fixed validation windows: at most `count`, spread evenly, each seq_len + 1 long."""
    width = seq_len + 1
    available = (len(ids) - 1) // seq_len
    n = max(1, min(count, available))
    stride = max(seq_len, (len(ids) - width) // max(1, n - 1))
    return torch.tensor([ids[min(r * stride, len(ids) - width):][:width] for r in range(n)], dtype=torch.long)


@torch.no_grad()
def evaluate(model, windows, chunk):
    was = model.training
    model.eval()
    total = sum(model.loss(windows[s:s + chunk]).item() * len(windows[s:s + chunk]) for s in range(0, len(windows), chunk))
    model.train(was)
    return total / len(windows)


def read_text(files):
    parts = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            parts.append(fh.read().lstrip("\ufeff"))
    return unicodedata.normalize("NFC", "\n\n".join(parts))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--text", nargs="+", required=True, help="text files to train on (joined by a blank line, as SeqLab joins them)")
    ap.add_argument("--checkpoint", default="checkpoint", help="the SeqLab checkpoint to continue (default: checkpoint)")
    ap.add_argument("--steps", type=int, default=100, help="training steps to take (default 100)")
    ap.add_argument("--out", default="continued", help="folder for the continued checkpoint (default: continued)")
    ap.add_argument("--eval-interval", type=int, help="steps between validation passes (default: the run's)")
    args = ap.parse_args()

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    use_cuda = torch.cuda.is_available()
    if world > 1:
        dist.init_process_group("nccl" if use_cuda else "gloo")
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}" if use_cuda else "cpu")
    log = (lambda *a: print(*a, flush=True)) if rank == 0 else (lambda *a: None)

    model, vocab, meta, saved_optimizer = load_checkpoint(args.checkpoint, device)
    c, state = meta["training"]["config"], dict(meta["training"]["state"])
    ids = vocab.encode(read_text(args.text))
    seq_len, batch = c["seqLen"], c["batch"]
    width = seq_len + 1
    val_length = max(width, round(len(ids) * c.get("valFraction", 0.1)))
    if len(ids) - val_length < width:
        raise SystemExit(f"the text has {len(ids)} tokens: too short for windows of {width} and a validation part")
    train_ids = torch.tensor(ids[:len(ids) - val_length], dtype=torch.long)
    val_windows = validation_windows(ids[len(ids) - val_length:], seq_len, c.get("evalWindows", 64)).to(device)
    rng = Random(state["rngState"])  # SeqLab's batch positions, continued
    eval_interval = args.eval_interval or c.get("evalInterval", 25)
    sample_interval = c.get("sampleInterval", 0)

    model.train()
    net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if use_cuda else None) if world > 1 else model
    opt_name = c.get("optimizer", "adam")
    opt = make_optimizer(model, c, saved_optimizer, state["optimizerStep"])
    if world > batch:
        raise SystemExit(f"{world} processes for a batch of {batch} windows: use at most {batch} processes")
    # Rows of every batch for this process: as even as whole rows allow.
    lo, hi = batch * rank // world, batch * (rank + 1) // world
    # DDP averages gradients over processes; weighting each by its share makes that the full batch's mean.
    weight = (hi - lo) * world / batch

    start_step, started = state["step"], time.perf_counter()
    val = evaluate(model, val_windows, batch)
    log(f"step {start_step}: validation loss {val:.5f} nats/char (SeqLab's last: {state['valLoss']}); "
        f"{world} process{'es' if world > 1 else ''} on {device}, {len(ids)} tokens")
    history = list(state.get("history", []))
    train_loss = None
    for k in range(1, args.steps + 1):
        step = start_step + k
        rows = torch.stack([train_ids[s:s + width] for s in (rng.int(len(train_ids) - width + 1) for _ in range(batch))]).to(device)
        lr = learning_rate_at(step, c)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad()
        shard = rows[lo:hi]
        loss = loss_through(net, shard)
        (loss * weight).backward()
        if c.get("clipValue", 0) > 0:
            torch.nn.utils.clip_grad_value_(model.parameters(), c["clipValue"])
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), c["clipNorm"] if c.get("clipNorm", 0) > 0 else float("inf"))
        opt.step()
        total = loss.detach() * (hi - lo) / batch
        if world > 1:
            dist.all_reduce(total)
        train_loss = total.item()
        if not math.isfinite(train_loss):
            raise SystemExit(f"the loss became {train_loss} at step {step}: lower the learning rate or clip gradients")
        if sample_interval > 0 and step % sample_interval == 0:
            rng.int(len(train_ids))  # SeqLab draws a sample here: keep its generator in step
            rng.seed()
        if step % eval_interval == 0 or k == args.steps:
            val = evaluate(model, val_windows, batch)
            history.append({"step": step, "trainLoss": train_loss, "valLoss": val, "seconds": round(state["elapsedSeconds"] + time.perf_counter() - started, 2)})
            log(f"step {step}: train loss {train_loss:.4f}, validation loss {val:.5f} nats/char, gradient norm {float(grad_norm):.3f}, lr {lr:.3g}")

    digest = hashlib.sha256(b"".join(p.detach().cpu().numpy().tobytes() for p in model.parameters())).hexdigest()
    print(f"rank {rank} of {world}: weights sha256 {digest}", flush=True)
    if rank == 0:
        best = state.get("bestValLoss")
        if best is None or val < best:
            state.update(bestValLoss=val, bestStep=start_step + args.steps)
        state.update(step=start_step + args.steps, optimizerStep=state["optimizerStep"] + args.steps, trainLoss=train_loss, valLoss=val,
                     rngState=rng.state, elapsedSeconds=state["elapsedSeconds"] + time.perf_counter() - started, history=history)
        meta["training"]["state"] = state
        meta["training"]["corpus"] = ", ".join(os.path.basename(f) for f in args.text)
        save_checkpoint(args.out, model, opt_name, optimizer_tensors(opt, model, opt_name), meta)
        log(f"saved {args.out} (a SeqLab checkpoint: `seqlab sample --model {args.out}`)")
    if world > 1:
        dist.destroy_process_group()


def loss_through(net, shard):
    """The loss through the DDP wrapper (its forward arms the gradient all-reduce)."""
    if isinstance(net, torch.nn.parallel.DistributedDataParallel):
        logits, _ = net(shard[:, :-1])
        return torch.nn.functional.cross_entropy(logits, shard[:, 1:].t().reshape(-1))
    return net.loss(shard)


if __name__ == "__main__":
    main()
