import { describe, expect, it } from '@jest/globals';
import { encodeFrame } from '../../../src/wire/tcp/frame-parser.js';
import { BATCH_BYTES, WriteCoalescer, type WriteTarget } from '../../../src/wire/tcp/write-coalescer.js';

class RecordingSocket implements WriteTarget {
  corked = 0;
  /** One entry per uncork: the chunks written while corked (what one writev carries). */
  readonly batches: Buffer[][] = [];
  private current: Buffer[] = [];
  cork(): void {
    this.corked++;
  }
  uncork(): void {
    this.corked--;
    if (this.corked === 0) {
      this.batches.push(this.current);
      this.current = [];
    }
  }
  write(chunk: Uint8Array): boolean {
    if (this.corked === 0) throw new Error('write outside cork');
    this.current.push(Buffer.from(chunk));
    return true;
  }
}

function setup(): {
  coalescer: WriteCoalescer;
  socket: RecordingSocket;
  runDeferred: () => void;
  written: number[][];
  connected: { value: boolean };
} {
  const deferred: (() => void)[] = [];
  const socket = new RecordingSocket();
  const written: number[][] = [];
  const connected = { value: true };
  const coalescer = new WriteCoalescer(
    (fn) => deferred.push(fn),
    () => (connected.value ? socket : undefined),
    (frames, bytes) => written.push([frames, bytes]),
  );
  const runDeferred = (): void => {
    for (const fn of deferred.splice(0)) fn();
  };
  return { coalescer, socket, runDeferred, written, connected };
}

describe('WriteCoalescer', () => {
  it('writes a burst of frames queued in one turn as one corked batch, in order', () => {
    const { coalescer, socket, runDeferred, written } = setup();
    const frames = Array.from({ length: 1000 }, (_, i) => encodeFrame(Buffer.from(`frame ${i}`)));
    for (const frame of frames) coalescer.push(frame);
    expect(socket.batches).toHaveLength(0); // nothing before the end of the turn
    runDeferred();
    expect(socket.batches).toHaveLength(1);
    expect(Buffer.concat(socket.batches[0]!).equals(Buffer.concat(frames))).toBe(true);
    // Small frames are copied together: far fewer chunks than frames.
    expect(socket.batches[0]!.length).toBeLessThan(10);
    const bytes = frames.reduce((n, f) => n + f.length, 0);
    expect(written).toEqual([[1000, bytes]]);
  });

  it('writes big frames as their own chunks, without copying them into a batch', () => {
    const { coalescer, socket, runDeferred } = setup();
    const big = encodeFrame(new Uint8Array(BATCH_BYTES + 10));
    const small = encodeFrame(Uint8Array.of(1));
    coalescer.push(small);
    coalescer.push(big);
    coalescer.push(small);
    runDeferred();
    expect(socket.batches).toHaveLength(1);
    expect(socket.batches[0]!.map((chunk) => chunk.length)).toEqual([small.length, big.length, small.length]);
  });

  it('keeps frames while there is no connection and writes them in one batch once there is', () => {
    const { coalescer, socket, runDeferred, connected } = setup();
    connected.value = false;
    coalescer.push(encodeFrame(Uint8Array.of(1)));
    runDeferred();
    coalescer.push(encodeFrame(Uint8Array.of(2)));
    runDeferred();
    expect(socket.batches).toHaveLength(0);
    expect(coalescer.pendingFrames).toBe(2);
    expect(coalescer.pendingBytes).toBe(10);
    connected.value = true;
    coalescer.flush();
    expect(socket.batches).toHaveLength(1);
    expect(coalescer.pendingFrames).toBe(0);
  });

  it('schedules one flush per turn, and clear() drops what waits', () => {
    const deferred: (() => void)[] = [];
    const coalescer = new WriteCoalescer(
      (fn) => deferred.push(fn),
      () => undefined,
      () => {},
    );
    for (let i = 0; i < 5; i++) coalescer.push(encodeFrame(Uint8Array.of(i)));
    expect(deferred).toHaveLength(1);
    expect(coalescer.clear()).toBe(5);
    expect(coalescer.pendingBytes).toBe(0);
  });
});
