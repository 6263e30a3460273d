import { AsyncLocalStorage } from 'node:async_hooks';
import { CausalContext } from '@cohort/core';

/**
 * The causal context of one unit of work (an HTTP request, an RPC request, a delivery) as it
 * grows: what came in, merged with every reply context and every multicast of the work so far.
 * The core's CausalContext is immutable and AsyncLocalStorage cannot be re-entered from a
 * continuation, so the work's context lives in this mutable cell instead.
 */
export class CausalCell {
  constructor(private current: CausalContext) {}

  get context(): CausalContext {
    return this.current;
  }

  absorb(context: CausalContext | undefined): void {
    if (context) this.current = this.current.merge(context);
  }
}

const cells = new AsyncLocalStorage<CausalCell>();

/** The cell of the work this code runs for, if an entry point (interceptor, delivery) opened one. */
export function currentCausalCell(): CausalCell | undefined {
  return cells.getStore();
}

/** The context a message sent from here must follow: the core's ambient one merged with the cell's. */
export function currentCausalContext(): CausalContext {
  const ambient = CausalContext.current() ?? CausalContext.empty;
  const cell = cells.getStore();
  return cell ? ambient.merge(cell.context) : ambient;
}

/** Adds what a reply or a multicast taught this work to its cell (a no-op outside one). */
export function absorbCausalContext(context: CausalContext | undefined): void {
  cells.getStore()?.absorb(context);
}

/**
 * Runs `fn` as a new unit of work that starts from `context`: a fresh cell (never a cell
 * inherited from whatever async resource happened to schedule this), and the core's ambient
 * context set to the same value.
 */
export function runInCausalCell<T>(context: CausalContext, fn: (cell: CausalCell) => T): T {
  const cell = new CausalCell(context);
  return CausalContext.run(context, () => cells.run(cell, () => fn(cell)));
}

/**
 * Runs a delivery's handler as a new unit of work: a fresh cell that starts from the context
 * the core runs the delivery in. The core's ambient context is that one already (the delivery
 * is its store), so only the cell is entered: runInCausalCell(CausalContext.current(), fn)
 * without a second store per delivery.
 */
export function runInDeliveryCell<T>(fn: () => T): T {
  const context = CausalContext.current();
  if (!context) return runInCausalCell(CausalContext.empty, fn);
  return cells.run(new CausalCell(context), fn);
}

/**
 * Sends something (a multicast) inside the work's current context and absorbs what it taught:
 * `learned` reads the context after sending (the member's own context, or the replies' one).
 */
export function sendInCausalContext<R>(send: () => Promise<R>, learned: (result: R) => CausalContext | undefined): Promise<R> {
  const cell = cells.getStore();
  // Outside a unit of work the context to send in is the ambient one already, and nothing is
  // absorbed: send as we are (no store entered, no continuation: the hot path of a publisher).
  if (!cell) {
    try {
      return send();
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return sendInCell(cell, send, learned);
}

async function sendInCell<R>(cell: CausalCell, send: () => Promise<R>, learned: (result: R) => CausalContext | undefined): Promise<R> {
  const context = currentCausalContext();
  const result = await CausalContext.run(context, send);
  cell.absorb(CausalContext.run(cell.context.merge(context), () => learned(result)));
  return result;
}
