/**
 * The senders' loop (child side): `count` asynchronous publishes without awaiting each; every
 * `chunk`-th promise is awaited (the others only get an error handler), so at most a chunk is
 * issued ahead of what the protocol accepted (its flow control makes a publish wait once the
 * window is full). The first failure ends the loop.
 */
export async function sendChunked(
  count: number,
  chunk: number,
  publish: (i: number) => Promise<unknown>,
  options: { check: () => void; yieldEvery?: number },
): Promise<{ sendMs: number }> {
  let failure: unknown = null;
  const onError = (error: unknown): void => {
    failure ??= error;
  };
  const t0 = performance.now();
  let chunks = 0;
  for (let i = 0; i < count; i++) {
    const promise = publish(i);
    if ((i + 1) % chunk === 0 || i === count - 1) {
      await promise;
      if (failure) throw failure;
      options.check();
      if (options.yieldEvery && ++chunks % options.yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
    } else {
      promise.then(undefined, onError);
    }
  }
  return { sendMs: performance.now() - t0 };
}
