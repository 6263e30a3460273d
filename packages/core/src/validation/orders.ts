import { InvalidArgumentError } from '../errors.js';

/**
 * fifo: per sender (fbcast); causal: happened-before (cbcast); total: one agreed order
 * (abcast); group: at the same point of every member's delivery sequence, like a view change
 * (gbcast; it runs a flush, so it is slow: for rare control actions).
 */
export type Order = 'fifo' | 'causal' | 'total' | 'group';

/** How a message is ordered: the application's orders, and the sequencer's announcements. */
export type MessageOrder = Order | 'announce';

/**
 * The delivery orders, in one list: the API checks against it, the Nest package imports it,
 * and the headers (reliable.header.ts, client.header.ts) encode an order as its index here,
 * so the list only ever grows at its end.
 */
export const ORDERS: readonly Order[] = Object.freeze(['fifo', 'causal', 'total', 'group'] as const);

/** ORDERS and the sequencer's announcements, which only the protocol sends; indexes as in ORDERS. */
export const MESSAGE_ORDERS: readonly MessageOrder[] = Object.freeze([...ORDERS, 'announce'] as const);

export function isOrder(value: unknown): value is Order {
  return typeof value === 'string' && (ORDERS as readonly string[]).includes(value);
}

/** An order the application asked for: undefined means 'fifo'. */
export function validateOrder(order: unknown, name = 'order'): Order {
  if (order === undefined) return 'fifo';
  if (!isOrder(order)) throw new InvalidArgumentError(`${name} "${String(order)}" is not one of ${ORDERS.join(', ')}`);
  return order;
}
