// A stand-in for engine/torch/engine.py that speaks its line protocol and then misbehaves as
// `mode` says, at the request `at` (counting steps). It computes nothing: a step's loss falls
// by a little each time, and `save` leaves the weights SeqLab handed over (the folder it
// saves into is the one init named, where they already are).
//
//   node fakeTorchEngine.mjs MODE AT ENGINE_ARGS...   (run through a one-line shell script
//   named as the "python", so SeqLab starts it as it starts an interpreter)
//
// Modes: ok, no-hello, hello-then-exit, fatal-on-step (PyTorch's out-of-memory), error-on-step
// (a non-fatal error), crash-on-step (exit 137 without a word), hang-on-step, garbage-on-step,
// huge-line-on-step (8 MB without a newline), wrong-id-on-step, wrong-type-on-step,
// stderr-flood (an 8 MB line on stderr at start, then ok), error-at-start (a fatal start-up error).
import { createInterface } from 'node:readline';
import * as fs from 'node:fs';

const [mode, atText] = process.argv.slice(2);
const at = Number(atText);
const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const hang = () => setInterval(() => undefined, 1 << 30);

// Where it ran (probe or engine): the test checks that its working folder was private.
if (process.env.FAKE_ENGINE_CWD_LOG) fs.appendFileSync(process.env.FAKE_ENGINE_CWD_LOG, `${process.cwd()}\t${process.env.PYTHONSAFEPATH ?? ''}\n`);

if (process.argv[4] === '-c') {
  // SeqLab's probe (engine/torch/python.ts): what a Python with PyTorch answers.
  process.stdout.write(JSON.stringify({ executable: process.argv[1], python: '3.12.0', torch: '2.4.0', cuda: null, devices: [{ kind: 'cpu', name: 'fake' }] }) + '\n');
  process.exit(0);
} else if (mode === 'no-hello') hang();
else if (mode === 'error-at-start') {
  send({ type: 'error', id: null, code: 'no-device', message: 'device cuda was asked for, but this PyTorch is built without CUDA', fatal: true });
  process.exit(2);
} else {
  if (mode === 'stderr-flood') process.stderr.write('W'.repeat(8 << 20) + '\n');
  send({ type: 'hello', python: '3.12.0', torch: '2.4.0', device: 'cpu', deviceName: 'fake', processes: 1, threads: 1 });
  let steps = 0;
  let loss = 4;
  let optimizerStep = 0;
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const req = JSON.parse(line);
    if (req.type === 'exit') process.exit(0);
    if (req.type === 'init') {
      if (mode === 'hello-then-exit') process.exit(1);
      send({ type: 'ready', parameters: 1000 });
      return;
    }
    if (req.type === 'evaluate') {
      send({ type: 'evaluated', id: req.id, loss });
      return;
    }
    if (req.type === 'save') {
      send({ type: 'saved', id: req.id, optimizerStep });
      return;
    }
    if (req.type !== 'step') return;
    steps++;
    if (steps === at) {
      switch (mode) {
        case 'fatal-on-step':
          process.stderr.write('RuntimeError: [enforce fail at alloc_cpu.cpp:75] DefaultCPUAllocator: not enough memory\n');
          send({ type: 'error', id: req.id, code: 'out-of-memory', message: 'the cpu device ran out of memory (DefaultCPUAllocator: not enough memory): lower the batch size or the hidden size, or use device cpu', fatal: true });
          process.exit(1);
          break;
        case 'error-on-step':
          send({ type: 'error', id: req.id, code: 'bad-request', message: 'windows of 12 bytes are not 8 x 17 int32', fatal: false });
          return;
        case 'crash-on-step':
          process.exit(137);
          break;
        case 'hang-on-step':
          return;
        case 'garbage-on-step':
          process.stdout.write('Segmentation fault in libgomp (core dumped?)\n');
          return;
        case 'huge-line-on-step':
          process.stdout.write('x'.repeat(8 << 20));
          return;
        case 'wrong-id-on-step':
          send({ type: 'stepped', id: 0, loss, gradNorm: 1 });
          return;
        case 'wrong-type-on-step':
          send({ type: 'evaluated', id: req.id, loss });
          return;
        default:
          break;
      }
    }
    loss *= 0.99;
    optimizerStep++;
    send({ type: 'stepped', id: req.id, loss, gradNorm: 1 });
  });
}
