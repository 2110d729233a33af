/**
 * A process that saves checkpoints to argv[2] through the real folder layer, over and
 * over, until it is killed (checkpointFolder.test.ts kills it at random points).
 * Prints "ready" once, after the first save.
 */
import { writeCheckpointFolder } from '../../../engine/checkpoint/folder';
import { syntheticCheckpoint } from './syntheticCheckpoint';

const target = process.argv[2];
const floats = Number(process.argv[3] ?? 65_536);
let serial = Number(process.argv[4] ?? 1);
writeCheckpointFolder(target, syntheticCheckpoint(serial++, floats));
process.stdout.write('ready\n');
for (;;) writeCheckpointFolder(target, syntheticCheckpoint(serial++, floats));
