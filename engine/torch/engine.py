#!/usr/bin/env python3
"""SeqLab's PyTorch engine: the training step of a SeqLab run, computed by the user's PyTorch.

SeqLab keeps the run: its loop (engine/train/trainer.ts) draws the batches from its seeded
generator, sets the learning rate, evaluates when its rules say, stops on the time budget
or patience, writes checkpoints and samples. This process computes what the loop asks for,
over the line protocol in protocol.py: a step (forward, backward, clipping, the torch.optim
update), a validation loss, the trained state written to a folder. So a run on this engine
is the built-in engine's run with PyTorch's arithmetic: same initial weights (SeqLab's,
seeded), same batches, same rules.

  python3 engine.py [--device auto|cpu|cuda|mps] [--processes N]

With --processes N > 1 the step runs in N data-parallel processes (torch.distributed: gloo
on CPUs, nccl on CUDA): this process is rank 0 and the only one that talks to SeqLab; it
starts the others with torch.multiprocessing (spawn, so it works on Windows too) and hands
each step to them. Each process takes its share of the batch's rows, and the gradients are
averaged by one all-reduce as DistributedDataParallel averages them, weighted so the step is
the full batch's whatever N.

It is shipped inside SeqLab and run from there; it writes only into the folders SeqLab names.
SeqLab starts it in a private, empty working folder with PYTHONSAFEPATH=1, so it adds its own
folder to sys.path itself and imports nothing from wherever the user happens to be.

Nothing waits forever: the ranks meet within RENDEZVOUS_SECONDS or the engine says why and
exits; rank 0 watches its helpers and reports a helper that died (a collective would otherwise
wait for torch's 30-minute timeout); a helper whose parent is gone exits.
"""
import argparse
import base64
import contextlib
import datetime
import json
import math
import os
import platform
import socket
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
# protocol.py is beside this file; model.py and train.py are the exported project's: beside it
# when shipped, in ../export/torch in the source tree. Added by hand: under PYTHONSAFEPATH the
# script's own folder is not on sys.path.
sys.path.insert(0, HERE)
for folder in (HERE, os.path.join(HERE, "..", "export", "torch")):
    if os.path.exists(os.path.join(folder, "model.py")):
        sys.path.insert(0, folder)
        break

from protocol import ERROR_CODES  # noqa: E402

MIN_TORCH = (1, 10)
# Logits computed at a time in the loss (see Step.step): chunks of at most 8 MB, in whole
# multiples of 256 rows (the built-in engine's chunk), at least 256 rows.
HEAD_CHUNK_BYTES = 8 * 2 ** 20
# The ranks of --processes N must meet within this (torch's own default is 30 minutes).
RENDEZVOUS_SECONDS = 60


def head_rows(vocab_size):
    return max(256, HEAD_CHUNK_BYTES // (4 * vocab_size) // 256 * 256)


class Request(dict):
    """A request whose fields are counted as they are read: a field SeqLab sends and the engine
    never reads (a new optimiser setting whose line was left out here) would otherwise train
    with a default, silently, while both halves of the protocol still agree on paper."""

    def __init__(self, fields):
        super().__init__(fields)
        self.read = {"type"}

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def check_all_read(self):
        unread = sorted(set(self) - self.read)
        if unread:
            raise RuntimeError(f"SeqLab's PyTorch engine did not use the {self.get('type')} request's field{'s' if len(unread) > 1 else ''} "
                               f"{', '.join(unread)}: it would train without {'them' if len(unread) > 1 else 'it'} (a bug in SeqLab's engine.py)")


class EngineError(Exception):
    """A refusal with its code; `say`, the same message as SeqLab's catalogue code and parameters
    (engine/core/messages.ts: the English there must read exactly as `message`)."""
    def __init__(self, code, message, say=None, **params):
        assert code in ERROR_CODES
        super().__init__(message)
        self.code = code
        self.say = {"code": say, "params": params} if say else None


def error_reply(req_id, code, message, fatal, say=None):
    """An `error` reply; `say` ({"code", "params"}) when the message is in SeqLab's catalogue."""
    reply = {"type": "error", "id": req_id, "code": code, "message": message, "fatal": fatal}
    if say:
        reply["say"] = say
    return reply


def open_channel():
    """The protocol's stdout, kept for protocol lines only: anything else that prints (a
    library's warning, a C extension) goes to stderr, which SeqLab shows in its log."""
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


def finite(x):
    return x if math.isfinite(x) else None


def decode_windows(req, torch, device):
    raw = base64.b64decode(req["windows"], validate=True)
    rows, width = int(req["rows"]), int(req["width"])
    if rows < 1 or width < 2 or len(raw) != rows * width * 4:
        raise EngineError("bad-request", f"windows of {len(raw)} bytes are not {rows} x {width} int32")
    ids = torch.frombuffer(bytearray(raw), dtype=torch.int32).reshape(rows, width)
    return ids.to(device=device, dtype=torch.long)


def pick_device(torch, wanted):
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if wanted == "cuda" and not cuda:
        built = torch.version.cuda
        hint = f"this PyTorch is built for CUDA {built} but finds no GPU (driver, or CUDA_VISIBLE_DEVICES?)" if built else "this PyTorch is built without CUDA (a CPU-only build)"
        raise EngineError("no-device", f"device cuda was asked for, but {hint}; choose device auto or cpu", "torch-no-cuda", hint=hint)
    if wanted == "mps" and not mps:
        raise EngineError("no-device", "device mps (Apple GPU) was asked for, but this PyTorch has no MPS device (it needs PyTorch 1.12+ on an Apple-silicon Mac); choose device auto or cpu", "torch-no-mps")
    if wanted == "cuda" or (wanted == "auto" and cuda):
        return "cuda"
    if wanted == "mps" or (wanted == "auto" and mps):
        return "mps"
    return "cpu"


def device_name(torch, kind, index=0):
    if kind == "cuda":
        return torch.cuda.get_device_name(index)
    if kind == "mps":
        return "Apple GPU (MPS)"
    return platform.processor() or platform.machine() or "CPU"


class Step:
    """The model and its optimiser on one process: what every rank runs."""

    def __init__(self, torch, init, device, rank, world):
        from model import CharLM, read_safetensors
        from train import make_optimizer
        self.torch, self.device, self.rank, self.world = torch, device, rank, world
        torch.manual_seed(int(init["seed"]))  # dropout's masks: reproducible, though not the built-in engine's
        self.model = CharLM(init["vocabSize"], init["embeddingSize"], init["hiddenSize"], init["numLayers"], init["cell"], init["dropout"])
        weights, _ = read_safetensors(os.path.join(init["checkpoint"], "model.safetensors"))
        self.model.load_state_dict(weights, strict=True)
        self.model.to(device).train()
        saved, _ = read_safetensors(os.path.join(init["checkpoint"], "optimizer.safetensors"))
        self.rules = {"lr": 0.0, "optimizer": init["optimizer"], "momentum": init["momentum"], "weightDecay": init["weightDecay"]}
        self.optimizer = make_optimizer(self.model, self.rules, saved, int(init["optimizerStep"]))
        self.optimizer_step = int(init["optimizerStep"])
        self.clip_norm, self.clip_value = float(init["clipNorm"]), float(init["clipValue"])
        self.head_rows = head_rows(int(init["vocabSize"]))
        # Mixed precision (off by default): the forward under autocast, fp16 with a gradient scaler.
        # The run is then no longer the built-in engine's to the last digits: see docs/guide.md.
        precision = init.get("precision", "fp32")
        if precision != "fp32" and (device.type == "mps" or (precision == "fp16" and device.type != "cuda")):
            suggest = "fp32" + (" or bf16" if device.type == "cpu" else "")
            raise EngineError("no-device", f"precision {precision} needs {'CUDA' if precision == 'fp16' else 'CUDA or the CPU'} here ({device.type}): use {suggest}",
                              "torch-precision", precision=precision, device=device.type, suggest=suggest)
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
        self.autocast = (lambda: torch.autocast(device_type=device.type, dtype=dtype)) if dtype else contextlib.nullcontext
        self.scaler = torch.cuda.amp.GradScaler() if precision == "fp16" else None

    def parameters(self):
        return sum(p.numel() for p in self.model.parameters())

    def hidden_rows(self, windows):
        """The last layer's output for windows[:, :-1], one row per (step, window) in time-major
        order (row t*N + n, as SeqLab's logits), and the targets windows[:, 1:] in that order."""
        m = self.model
        out, _ = m.rnn(m.embedding(windows[:, :-1].t()))
        return out.reshape(-1, out.shape[-1]), windows[:, 1:].t().reshape(-1)

    def step(self, windows, lr):
        torch = self.torch
        functional = torch.nn.functional
        batch = windows.shape[0]
        lo, hi = batch * self.rank // self.world, batch * (self.rank + 1) // self.world
        for g in self.optimizer.param_groups:
            g["lr"] = lr
        # Zeroed in place, not freed: fresh gradient tensors every step cost a third more time here (measured, 1.13 on CPU).
        self.optimizer.zero_grad(set_to_none=False)
        with self.autocast():
            rows, targets = self.hidden_rows(windows[lo:hi])
        n = rows.shape[0]
        # The head and the loss head_rows rows at a time, each chunk's backward at once, then the
        # recurrent layers' backward from the rows' gradient: a batch's logits (2,048 x 8,000 for an
        # 8,000-character vocabulary) are never held whole. 6x faster there than one cross_entropy
        # over all logits (10.9k against 1.8k chars/s, measured), and the built-in engine's order of sums.
        # Each process's share is weighted by its rows, so averaging over processes gives the full batch's mean.
        weight = (hi - lo) * self.world / batch
        held = rows.detach().requires_grad_(True)
        loss = rows.new_zeros(())
        k = self.head_rows
        scale = self.scaler.scale if self.scaler else (lambda x: x)
        for s in range(0, n, k):
            with self.autocast():
                part = functional.cross_entropy(self.model.head(held[s:s + k]), targets[s:s + k], reduction="sum") / n
            scale(part * weight).backward()
            loss += part.detach().float()
        rows.backward(held.grad)
        params = list(self.model.parameters())
        if self.world > 1:
            # What DistributedDataParallel's reducer does, by hand: its hooks need one backward through
            # its own forward, and the head's backward here is chunked. One flat all-reduce, then the mean.
            grads = [p.grad for p in params]
            flat = torch._utils._flatten_dense_tensors(grads)
            torch.distributed.all_reduce(flat)
            flat /= self.world
            for g, synced in zip(grads, torch._utils._unflatten_dense_tensors(flat, grads)):
                g.copy_(synced)
        if self.scaler:
            self.scaler.unscale_(self.optimizer)  # clipping and the norm reported are the true gradients'
        if self.clip_value > 0:
            torch.nn.utils.clip_grad_value_(params, self.clip_value)
        norm = torch.nn.utils.clip_grad_norm_(params, self.clip_norm if self.clip_norm > 0 else float("inf"))
        if self.scaler:
            before = self.scaler.get_scale()
            self.scaler.step(self.optimizer)  # skipped when a gradient overflowed fp16
            self.scaler.update()
            if self.scaler.get_scale() >= before:
                self.optimizer_step += 1
        else:
            self.optimizer.step()
            self.optimizer_step += 1
        total = loss * (hi - lo) / batch
        if self.world > 1:
            torch.distributed.all_reduce(total)
        return float(total), float(norm)

    def evaluate(self, windows, chunk):
        torch = self.torch
        was = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                total, count = 0.0, 0
                for s in range(0, windows.shape[0], chunk):
                    with self.autocast():
                        rows, targets = self.hidden_rows(windows[s:s + chunk])
                        k = self.head_rows
                        for r in range(0, rows.shape[0], k):
                            total += float(torch.nn.functional.cross_entropy(self.model.head(rows[r:r + k]), targets[r:r + k], reduction="sum"))
                    count += rows.shape[0]
            return total / count
        finally:
            self.model.train(was)

    def save(self, folder):
        from model import write_safetensors
        from train import optimizer_tensors
        if not os.path.isdir(folder):
            raise EngineError("bad-request", f"no folder {folder} to save into")
        name = self.rules["optimizer"]
        write_safetensors(os.path.join(folder, "model.safetensors"), self.model.state_dict(), {"format": "pt", "producer": "seqlab-torch-engine"})
        write_safetensors(os.path.join(folder, "optimizer.safetensors"), optimizer_tensors(self.optimizer, self.model, name), {"optimizer": name})


def exit_with_parent():
    """A helper whose rank 0 is gone (killed by SeqLab after a timeout, or crashed) has no one to
    wait for: it exits instead of holding its collective for torch's 30 minutes. The parent's
    sentinel (multiprocessing.parent_process, Python 3.8+) says so on Windows too, where
    os.getppid() keeps the dead parent's id."""
    import multiprocessing
    parent = multiprocessing.parent_process()
    ppid = os.getppid()

    def alive():
        return parent.is_alive() if parent is not None else os.getppid() == ppid

    def watch():
        while alive():
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def join_group(torch, kind, port, rank, world):
    """The process group over a TCP store on this machine that waits RENDEZVOUS_SECONDS for every rank."""
    import torch.distributed as dist
    store = dist.TCPStore("127.0.0.1", port, world, rank == 0, timeout=datetime.timedelta(seconds=RENDEZVOUS_SECONDS))
    dist.init_process_group("nccl" if kind == "cuda" else "gloo", store=store, rank=rank, world_size=world)
    return store


def helper(index, world, port, kind, threads):
    """Ranks 1..N-1: join the group, build the same model, then take each step rank 0 hands over."""
    exit_with_parent()
    import torch
    import torch.distributed as dist
    rank = index + 1
    torch.set_num_threads(threads)
    store = join_group(torch, kind, port, rank, world)  # noqa: F841 - the group keeps using it
    device = torch.device(f"cuda:{rank}" if kind == "cuda" else kind)
    stepper = None
    while True:
        box = [None]
        dist.broadcast_object_list(box, src=0)
        req = box[0]
        if req["type"] == "init":
            stepper = Step(torch, req, device, rank, world)
        elif req["type"] == "step":
            stepper.step(decode_windows(req, torch, device), float(req["lr"]))
        else:
            break
    dist.destroy_process_group()


def watch_helpers(helpers, send, done):
    """Rank 0: a helper that ends before the run does (an out-of-memory kill, a crash) would leave
    rank 0 in a collective until torch's timeout. Say so, and end the engine."""
    def watch():
        while not done.is_set():
            for rank, process in enumerate(helpers.processes, start=1):
                if process.exitcode is not None and not done.is_set():
                    try:
                        send(error_reply(None, "failed", f"PyTorch helper process {rank} (of the {len(helpers.processes) + 1} data-parallel processes) ended with exit code {process.exitcode}: the step cannot go on; try fewer processes (--processes, seqlab.torch.processes) or a smaller model", True,
                                         {"code": "torch-helper-ended", "params": {"rank": rank, "processes": len(helpers.processes) + 1, "code": process.exitcode}}))
                    finally:
                        os._exit(1)  # even when SeqLab's end of the pipe is gone
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()


def serve(channel, args):
    lock = threading.Lock()  # the helpers' watchdog writes too

    def send(message):
        with lock:
            channel.write(json.dumps(message, separators=(",", ":"), allow_nan=False) + "\n")
            channel.flush()

    try:
        import torch
    except ImportError as err:
        send(error_reply(None, "failed", f"{sys.executable} cannot import torch ({err}): install PyTorch for it (pip install torch) or choose another Python", True,
                         {"code": "torch-no-import", "params": {"python": sys.executable, "said": str(err)}}))
        return 3
    try:
        version = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2])
        if version < MIN_TORCH:
            raise EngineError("old-torch", f"PyTorch {torch.__version__} is older than 1.10, which SeqLab's PyTorch engine needs: upgrade it (pip install -U torch) or choose another Python",
                              "torch-old", torch=torch.__version__)
        kind = pick_device(torch, args.device)
        world = args.processes
        if kind == "mps" and world > 1:
            raise EngineError("no-device", "several processes on an Apple GPU are not supported by torch.distributed: use 1 process", "torch-mps-processes")
        if kind == "cuda" and world > torch.cuda.device_count():
            raise EngineError("no-device", f"{world} processes need {world} GPUs with nccl, and {torch.cuda.device_count()} is found: use at most that many processes, or device cpu",
                              "torch-gpus", world=world, found=torch.cuda.device_count())
        cores = os.cpu_count() or 1
        if kind == "cpu" and world > cores:
            raise EngineError("no-device", f"{world} processes on the CPU would share {cores} core{'s' if cores != 1 else ''}: each process computes on at least one core, so more only add memory (each holds a copy of torch and the model); use at most {cores}",
                              "torch-cores", world=world, cores=cores)
        # A thread per core, shared between the processes (PyTorch's own default is one per physical
        # core: 1 on this 2-vCPU test machine, where 2 threads gave 12.4k chars/s against 10.9k on an
        # 8,000-character vocabulary and the same on config A). OMP_NUM_THREADS, when set, decides.
        threads = torch.get_num_threads() if "OMP_NUM_THREADS" in os.environ else max(1, (os.cpu_count() or 1) // world)
        torch.set_num_threads(threads)
        helpers = None
        done = threading.Event()
        if world > 1:
            import torch.multiprocessing as mp
            with socket.socket() as s:  # a free port for the group's rendezvous, on this machine only
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            helpers = mp.start_processes(helper, args=(world, port, kind, threads), nprocs=world - 1, join=False, start_method="spawn")
            watch_helpers(helpers, send, done)
            try:
                store = join_group(torch, kind, port, 0, world)  # noqa: F841 - the group keeps using it
            except Exception as err:  # noqa: BLE001 - the ranks did not meet: say so, whatever torch raised
                said = f"{type(err).__name__}: {str(err).splitlines()[0][:200] if str(err) else ''}"
                raise EngineError("failed", f"the {world} data-parallel processes did not meet within {RENDEZVOUS_SECONDS} s ({said}): try --processes 1",
                                  "torch-rendezvous", world=world, seconds=RENDEZVOUS_SECONDS, said=said) from err
        device = torch.device("cuda:0" if kind == "cuda" else kind)
        send({"type": "hello", "python": platform.python_version(), "torch": torch.__version__, "device": kind,
              "deviceName": device_name(torch, kind), "processes": world, "threads": threads})
    except EngineError as err:
        send(error_reply(None, err.code, str(err), True, err.say))
        return 2
    except Exception as err:  # noqa: BLE001 - a start-up failure is reported, not only printed
        traceback.print_exc(file=sys.stderr)
        said = f"{type(err).__name__}: {str(err).splitlines()[0][:300] if str(err) else ''}"
        send(error_reply(None, "failed", f"the PyTorch engine could not start: {said}", True, {"code": "torch-could-not-start", "params": {"said": said}}))
        return 2

    def broadcast(req):
        if world > 1:
            torch.distributed.broadcast_object_list([dict(req)], src=0)

    stepper = None
    code = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        req_id = None
        try:
            req = Request(json.loads(line))
            kind_of = req.get("type")
            req_id = req.get("id")
            if kind_of == "exit":
                break
            if kind_of == "init":
                broadcast(req)
                stepper = Step(torch, req, device, 0, world)
                req.check_all_read()
                send({"type": "ready", "parameters": stepper.parameters()})
            elif stepper is None:
                raise EngineError("bad-request", f"{kind_of!r} before init")
            elif kind_of == "step":
                broadcast(req)
                loss, norm = stepper.step(decode_windows(req, torch, device), float(req["lr"]))
                req.check_all_read()
                send({"type": "stepped", "id": req_id, "loss": finite(loss), "gradNorm": finite(norm)})
            elif kind_of == "evaluate":
                loss = stepper.evaluate(decode_windows(req, torch, device), max(1, int(req["chunk"])))
                req.check_all_read()
                send({"type": "evaluated", "id": req_id, "loss": finite(loss)})
            elif kind_of == "save":
                stepper.save(req["dir"])
                req.check_all_read()
                send({"type": "saved", "id": req_id, "optimizerStep": stepper.optimizer_step})
            else:
                raise EngineError("bad-request", f"unknown request {kind_of!r}")
        except EngineError as err:
            send(error_reply(req_id, err.code, str(err), False, err.say))
        except Exception as err:  # noqa: BLE001 - every failure is reported to the host, then the process ends
            text = str(err).lower()
            # CUDA's "out of memory", the CPU allocator's "can't allocate memory" (errno 12), Python's own MemoryError.
            oom = isinstance(err, MemoryError) or type(err).__name__ == "OutOfMemoryError" or any(
                s in text for s in ("out of memory", "can't allocate memory", "cannot allocate memory"))
            traceback.print_exc(file=sys.stderr)
            first = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
            advice = "lower the batch size or the hidden size" + ("" if kind == "cpu" else ", or use device cpu")
            message = (f"the {kind} device ran out of memory ({first}): {advice}"
                       if oom else f"{type(err).__name__}: {str(err).splitlines()[0][:300] if str(err) else ''}")
            send(error_reply(req_id, "out-of-memory" if oom else "failed", message, True, {"code": "torch-failed", "params": {"said": message, "oom": oom, "device": kind}}))
            code = 1
            break
    done.set()
    if world > 1:
        try:
            torch.distributed.broadcast_object_list([{"type": "exit"}], src=0)
            torch.distributed.destroy_process_group()
            helpers.join()
        except Exception:  # noqa: BLE001 - a failed helper is already reported; leave
            pass
    return code


def main():
    ap = argparse.ArgumentParser(description="SeqLab's PyTorch engine (run by SeqLab; speaks the line protocol in protocol.py on stdin/stdout)")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto", help="where to compute (default auto: CUDA, then MPS, then CPU)")
    ap.add_argument("--processes", type=int, default=1, help="data-parallel processes (torch.distributed; default 1)")
    args = ap.parse_args()
    if args.processes < 1:
        ap.error("--processes must be at least 1")
    channel = open_channel()
    sys.exit(serve(channel, args))


if __name__ == "__main__":
    main()
