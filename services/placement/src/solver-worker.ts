/**
 * Entry point of the solver thread (worker_threads): loads HiGHS once (with its warm-up, so the
 * first plan is not cut by its time limit), says `ready`, then runs one SolveTask per message.
 * Everything CPU-heavy of a plan runs here, so the service's event loop keeps answering health
 * checks and other RPCs while a plan is computed. Errors go back as data: code and message.
 */
import { parentPort } from 'node:worker_threads';
import { isHeraError } from '@hera/errors';
import {
  demandFromMix,
  loadMilpSolver,
  NODE_CLASS_2C,
  rooflineProfileSet,
  zooRooflineModels,
  type MilpSolver,
} from '@hera/hera';
import { runSolveTask, type SolveTask } from './solve-task';
import type { FromSolver, ToSolver } from './solver';

const port = parentPort;
if (!port) throw new Error('solver-worker runs as a worker thread');

/**
 * A small plan and a pinned placement on the shipped 2-core roofline set: the pair search,
 * baselines and explanation run in V8's baseline tiers at first, several times slower (the
 * first plan of a fresh thread took ~0.5 s for a 4-server demand, later ones ~40 ms), and a
 * cold plan should not be the one cut by its time limit or its budget.
 */
function warmUp(solver: MilpSolver): void {
  const set = rooflineProfileSet(zooRooflineModels(), NODE_CLASS_2C, {
    generatedBy: 'placement solver thread warm-up',
  });
  runSolveTask(
    { kind: 'solve', set, demand: demandFromMix(set, { mix: 'uniform', dedicatedServers: 40 }), timeLimitMs: 2_000 },
    solver,
  );
  runSolveTask({ kind: 'pinned', set, pins: [{ config: `${set.models[0]!.model}:1`, count: 1 }] }, solver);
}

void loadMilpSolver().then(
  solver => {
    try {
      warmUp(solver);
    } catch {
      // Only speed is at stake: the first plan runs cold.
    }
    port.on('message', (msg: ToSolver) => {
      let reply: FromSolver;
      try {
        reply = { type: 'result', id: msg.id, outcome: runSolveTask(msg.task as SolveTask, solver) };
      } catch (err) {
        reply = {
          type: 'error',
          id: msg.id,
          ...(isHeraError(err) ? { code: err.code } : {}),
          message: err instanceof Error ? err.message : String(err),
          ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
        };
      }
      port.postMessage(reply);
    });
    port.postMessage({ type: 'ready' } satisfies FromSolver);
  },
  (err: unknown) => {
    port.postMessage({
      type: 'failed',
      message: err instanceof Error ? err.message : String(err),
    } satisfies FromSolver);
  },
);
