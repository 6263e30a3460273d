/**
 * What a failed message handler hands the core, which turns it into an error reply
 * `{ name, code, message }`. Nest's RPC exception filter turns a thrown error into an
 * observable error of a plain object (`RpcException#getError()`, or `{ status, message }`),
 * so that object is made an Error again here.
 */
export function toReplyError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (typeof error === 'string') return Object.assign(new Error(error), { name: 'RpcException' });
  if (error && typeof error === 'object') {
    const record = error as Record<string, unknown>;
    const message = typeof record['message'] === 'string' ? record['message'] : safeJson(error);
    const out = Object.assign(new Error(message), { name: typeof record['name'] === 'string' ? record['name'] : 'RpcException' });
    if (typeof record['code'] === 'string') Object.assign(out, { code: record['code'] });
    return out;
  }
  return Object.assign(new Error(String(error)), { name: 'RpcException' });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
