import { InvalidArgumentError } from '../errors.js';

/** Turns application payloads into bytes and back. */
export interface Serializer {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON, with `undefined` as the empty payload. Uint8Array payloads pass through a tag. */
export const jsonSerializer: Serializer = {
  encode(value) {
    if (value === undefined) return new Uint8Array(0);
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new InvalidArgumentError(`payload is not serializable as JSON: ${(error as Error).message}`);
    }
    if (text === undefined) throw new InvalidArgumentError(`payload of type ${typeof value} is not serializable as JSON`);
    return encoder.encode(text);
  },
  decode(bytes) {
    if (bytes.length === 0) return undefined;
    return JSON.parse(decoder.decode(bytes)) as unknown;
  },
};
