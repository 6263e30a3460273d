import { AsyncLocalStorage } from 'node:async_hooks';
import type { CausalContext } from './causal-context.js';

/**
 * What an asynchronous thread of work carries: its causal context, and the delivery task it
 * runs in, if any. One AsyncLocalStorage for both, so a delivery enters it once (the task is
 * the store), and the context of a delivery is built only if something asks for it.
 */
export interface Ambient {
  /** The thread's causal context, if it has one. */
  causalContext(): CausalContext | undefined;
  /** Ends the delivery queue's wait for the task the thread runs in (nothing outside a task). */
  releaseTask(): void;
}

export const ambient = new AsyncLocalStorage<Ambient>();
