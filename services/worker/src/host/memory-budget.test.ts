import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BYTES_PER_REQUEST_BYTE,
  cgroupMemory,
  GARBAGE_CHECK_BYTES,
  garbageBudget,
  IN_FLIGHT_SHARE,
  LIMIT_HEADROOM,
  MemoryBudget,
  MIN_GARBAGE_BYTES,
  RECEIVE_RESERVE_BYTES,
  requestBudget,
  type MemoryReading,
} from './memory-budget';

const MiB = 1024 * 1024;

describe('requestBudget and garbageBudget', () => {
  // The issue's rmc1 host: 200 MiB limit, idle at 147 MiB with two inference threads
  // (measured: 63 MiB before the threads, 42 MiB each).
  const rmc1 = { limitBytes: 200 * MiB, baseBytes: 63 * MiB, perThreadBytes: 42 * MiB, threads: 2 };
  const free = 200 * MiB * (1 - LIMIT_HEADROOM) - RECEIVE_RESERVE_BYTES - 147 * MiB;

  it('gives requests in flight their share of what the limit leaves after the model, every thread and what is on the way in', () => {
    assert.equal(requestBudget(rmc1), Math.floor((free * IN_FLIGHT_SHARE) / BYTES_PER_REQUEST_BYTE));
    // With the defaults: 190 − 16 − 147 = 27 MiB for requests; half of it, two bytes held per byte.
    assert.ok(Math.abs(requestBudget(rmc1) / MiB - 6.75) < 0.01, String(requestBudget(rmc1) / MiB));
  });

  it('charges each thread: a second thread leaves less for requests, a third none', () => {
    assert.equal(
      requestBudget({ ...rmc1, threads: 1 }) - requestBudget(rmc1),
      Math.floor((42 * MiB * IN_FLIGHT_SHARE) / BYTES_PER_REQUEST_BYTE),
    );
    assert.equal(requestBudget({ ...rmc1, threads: 3 }), 0);
  });

  it('lets garbage take the other share, never less than MIN_GARBAGE_BYTES', () => {
    assert.equal(garbageBudget(rmc1), Math.floor(free * (1 - IN_FLIGHT_SHARE)));
    const tight = { ...rmc1, threads: 3 };
    assert.equal(garbageBudget(tight), MIN_GARBAGE_BYTES);
  });

  it('bounds nothing without a memory limit', () => {
    assert.equal(requestBudget({ ...rmc1, limitBytes: Infinity }), Infinity);
    assert.equal(garbageBudget({ ...rmc1, limitBytes: Infinity }), Infinity);
  });
});

describe('MemoryBudget', () => {
  /** A cgroup whose figures the test sets. */
  function fakeCgroup(reading: MemoryReading | undefined) {
    const state = { reading };
    return { state, source: () => state.reading };
  }

  it('measures the base before the threads, then each thread from what the ready ones added', () => {
    const cg = fakeCgroup({ limitBytes: 200 * MiB, usedBytes: 110 * MiB });
    const seen: number[] = [];
    const b = new MemoryBudget(cg.source, { onChange: f => seen.push(f.perThreadBytes), buffers: () => 0 });
    b.measureBase();
    cg.state.reading = { limitBytes: 200 * MiB, usedBytes: 140 * MiB };
    b.measureThreads(1); // the second is still loading: an overestimate
    assert.equal(b.perThreadBytes, 30 * MiB);
    // Ready with 2 MiB of requests in flight, which hold 2 bytes each.
    cg.state.reading = { limitBytes: 200 * MiB, usedBytes: 151 * MiB };
    b.measureThreads(2, 2 * MiB);
    assert.equal(b.perThreadBytes, ((151 - 110 - 2 * BYTES_PER_REQUEST_BYTE) / 2) * MiB);
    assert.deepEqual(seen, [0, 30 * MiB, 18.5 * MiB]);
    assert.equal(
      b.bytesFor(2, 0),
      requestBudget({ limitBytes: 200 * MiB, baseBytes: 110 * MiB, perThreadBytes: 18.5 * MiB, threads: 2 }),
    );
    assert.match(
      b.describe(2),
      /^what the tenant's 200\.0 MiB memory limit leaves after 110\.0 MiB for the model and 37\.0 MiB for 2 inference threads$/,
    );
  });

  it('re-reads the limit at most once a refresh period: the agent changes it in place', () => {
    const cg = fakeCgroup({ limitBytes: 200 * MiB, usedBytes: 100 * MiB });
    const b = new MemoryBudget(cg.source, { refreshMs: 1_000, buffers: () => 0 });
    const t0 = Date.now();
    b.measureBase(); // reads now
    const before = b.bytesFor(1, t0);
    cg.state.reading = { limitBytes: 300 * MiB, usedBytes: 100 * MiB };
    assert.equal(b.bytesFor(1, t0 + 500), before, 'not yet');
    assert.ok(b.bytesFor(1, t0 + 2_000) > before);
    assert.equal(b.limitBytes, 300 * MiB);
  });

  it('collects when the buffers it holds beyond the idle ones and those in flight pass the garbage budget, and only then', () => {
    const cg = fakeCgroup({ limitBytes: 200 * MiB, usedBytes: 110 * MiB });
    // Buffers as V8 would hold them: 50 MiB idle (tables, slots), then whatever arrives until collected.
    const held = { bytes: 50 * MiB };
    let collected = 0;
    const b = new MemoryBudget(cg.source, {
      buffers: () => held.bytes,
      collect: () => ((held.bytes = 50 * MiB), collected++),
    });
    b.measureBase();
    const budget = garbageBudget({ limitBytes: 200 * MiB, baseBytes: 110 * MiB, perThreadBytes: 0, threads: 1 });
    const request = 48 * 1024; // rmc1, k = 16
    const inFlight = 4 * MiB;
    const receive = (n: number) => {
      for (let i = 0; i < n; i++) {
        held.bytes += request;
        b.received(request, 1, inFlight, 0);
      }
    };
    // What is in flight is not garbage: budget + in flight must build up before a collection.
    const untilCollected = Math.ceil((budget + inFlight) / request);
    receive(untilCollected - Math.ceil(GARBAGE_CHECK_BYTES / request) - 1);
    assert.equal(collected, 0);
    receive(2 * Math.ceil(GARBAGE_CHECK_BYTES / request));
    assert.equal(collected, 1);
    assert.equal(b.collections, 1);
    // V8 collecting by itself: nothing for us to do, however much comes in.
    for (let i = 0; i < 10 * untilCollected; i++) b.received(request, 1, inFlight, 0);
    assert.equal(collected, 1);
  });

  it('neither bounds nor collects where there is no cgroup to read', () => {
    let collected = 0;
    let held = 0;
    const b = new MemoryBudget(() => undefined, { buffers: () => held, collect: () => collected++ });
    b.measureBase();
    b.measureThreads(2);
    for (let i = 0; i < 1000; i++) b.received((held += 10 * MiB) && 10 * MiB, 2, 0);
    assert.equal(b.bytesFor(2), Infinity);
    assert.equal(collected, 0);
  });
});

describe('cgroupMemory', () => {
  function tree(files: Record<string, string>): { root: string; proc: string; done(): void } {
    const root = mkdtempSync(join(tmpdir(), 'hera-cg-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return {
      root: join(root, 'sys'),
      proc: join(root, 'proc-self-cgroup'),
      done: () => rmSync(root, { recursive: true, force: true }),
    };
  }

  it('reads v1: the hierarchical limit, and usage without inactive page cache', () => {
    const t = tree({
      'proc-self-cgroup': '9:name=systemd:/\n4:memory:/agent/hera-n1/tenant-rmc1\n1:cpu:/\n',
      'sys/memory/agent/hera-n1/tenant-rmc1/memory.usage_in_bytes': String(160 * MiB),
      'sys/memory/agent/hera-n1/tenant-rmc1/memory.stat': `cache 0\nrss ${150 * MiB}\nhierarchical_memory_limit ${200 * MiB}\ntotal_inactive_file ${10 * MiB}\n`,
    });
    try {
      assert.deepEqual(cgroupMemory(t.root, t.proc)(), { limitBytes: 200 * MiB, usedBytes: 150 * MiB });
    } finally {
      t.done();
    }
  });

  it('reads v1 "no limit" (the largest counter) as none', () => {
    const t = tree({
      'proc-self-cgroup': '4:memory:/\n',
      'sys/memory/memory.usage_in_bytes': '1000',
      'sys/memory/memory.stat': 'hierarchical_memory_limit 9223372036854771712\ntotal_inactive_file 0\n',
    });
    try {
      assert.deepEqual(cgroupMemory(t.root, t.proc)(), { limitBytes: Infinity, usedBytes: 1000 });
    } finally {
      t.done();
    }
  });

  it('reads v2: the lowest memory.max on the way up, and memory.current without inactive page cache', () => {
    const t = tree({
      'proc-self-cgroup': '0::/agent/hera-n1/tenant-rmc1\n',
      'sys/cgroup.controllers': 'cpuset cpu memory',
      'sys/agent/memory.max': 'max',
      'sys/agent/hera-n1/memory.max': String(150 * MiB),
      'sys/agent/hera-n1/tenant-rmc1/memory.max': String(200 * MiB),
      'sys/agent/hera-n1/tenant-rmc1/memory.current': String(120 * MiB),
      'sys/agent/hera-n1/tenant-rmc1/memory.stat': `anon ${100 * MiB}\ninactive_file ${5 * MiB}\n`,
    });
    try {
      assert.deepEqual(cgroupMemory(t.root, t.proc)(), { limitBytes: 150 * MiB, usedBytes: 115 * MiB });
    } finally {
      t.done();
    }
  });

  it('says nothing where there is no memory cgroup', () => {
    const t = tree({ 'proc-self-cgroup': '1:cpu:/\n' });
    try {
      assert.equal(cgroupMemory(t.root, t.proc)(), undefined);
      assert.equal(cgroupMemory(t.root, join(t.root, 'missing'))(), undefined);
    } finally {
      t.done();
    }
  });
});
