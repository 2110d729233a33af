"""The line protocol between SeqLab (the host: its worker thread or its command line) and
this engine: one JSON object per line, requests on stdin, replies and events on stdout.

Every request with an `id` gets exactly one reply naming it (or an `error` naming it), in
order. No signals: a host that wants the engine gone sends `exit` (or closes stdin), which
works the same on Windows. Windows of token ids travel as base64 of little-endian int32,
row-major (rows x width).

This file is the Python half of the protocol; engine/torch/protocol.ts is the TypeScript
half. `python3 protocol.py --describe` prints the messages as JSON, and a test compares
them with the TypeScript schemas, field by field.
"""
import json
import sys

# name -> {field: type}; types: "int", "number", "string", "bool", "T|null", and "T?" for an optional field. A loss that is not a
# finite number (a diverged run) is null: JSON has no NaN.
REQUESTS = {
    # The run's starting point: the model and optimiser state in `checkpoint` (a folder with
    # model.safetensors and optimizer.safetensors, as SeqLab writes them), and the rules.
    "init": {"checkpoint": "string", "cell": "string", "vocabSize": "int", "embeddingSize": "int", "hiddenSize": "int",
             "numLayers": "int", "dropout": "number", "optimizer": "string", "momentum": "number", "weightDecay": "number",
             "optimizerStep": "int", "clipNorm": "number", "clipValue": "number", "seed": "int",
             # "fp32" (default: the built-in engine's arithmetic), "bf16" (autocast; CUDA or CPU), "fp16" (autocast and a gradient scaler; CUDA).
             "precision": "string?"},
    # One training step on `rows` windows of `width` ids at learning rate `lr`.
    "step": {"id": "int", "lr": "number", "rows": "int", "width": "int", "windows": "string"},
    # The mean loss over the windows in evaluation mode, `chunk` windows at a time.
    "evaluate": {"id": "int", "rows": "int", "width": "int", "chunk": "int", "windows": "string"},
    # Write model.safetensors and optimizer.safetensors (the trained state) into the folder `dir`.
    "save": {"id": "int", "dir": "string"},
    # Finish: leave the process group, exit 0 (`reason`, optional, for the log).
    "exit": {"reason": "string?"},
}

REPLIES = {
    # Once, first: what runs here.
    "hello": {"python": "string", "torch": "string", "device": "string", "deviceName": "string", "processes": "int", "threads": "int"},
    # After `init`: the model is in place.
    "ready": {"parameters": "int"},
    # A step's mean loss before the update and its gradient norm before clipping.
    "stepped": {"id": "int", "loss": "number|null", "gradNorm": "number|null"},
    "evaluated": {"id": "int", "loss": "number|null"},
    "saved": {"id": "int", "optimizerStep": "int"},
    # A request failed (id null: no request, e.g. at start-up). The process exits after a fatal one.
    # `say`, when there: the message as SeqLab's catalogue code and parameters ({"code", "params"},
    # engine/core/messages.ts), so that the host says it in the student's language.
    "error": {"id": "int|null", "code": "string", "message": "string", "fatal": "bool", "say": "object?"},
}

# Why a request failed, for the host to branch on.
ERROR_CODES = ["old-torch", "no-device", "out-of-memory", "bad-request", "failed"]


def describe():
    return {"requests": REQUESTS, "replies": REPLIES, "errorCodes": ERROR_CODES}


if __name__ == "__main__" and "--describe" in sys.argv:
    json.dump(describe(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
