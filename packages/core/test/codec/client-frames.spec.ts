import { describe, expect, it } from '@jest/globals';
import { decodeFrame, encodeFrame, type FrameBody } from '../../src/protocol/frames.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const roundTrip = (body: FrameBody): FrameBody => decodeFrame(encodeFrame({ group: 'g', from: 'a/1', viewId: 3, body })).body;

describe('client and reply frames: refusals and the view a reply ran in (issue 11)', () => {
  it('a client-reject carries a refusal code and message, or none', () => {
    const plain: FrameBody = { type: 'client-reject', call: 2, viewId: 9, members: ['a/1', 'b/7'] };
    expect(roundTrip(plain)).toEqual(plain);
    const refusal: FrameBody = {
      ...plain,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'the payload is 204800 bytes, more than payloadBytesMax (1024)',
    };
    expect(roundTrip(refusal)).toEqual(refusal);
  });

  it('a reply answered from memory names the view and rank it ran in; one that ran in its own view names none', () => {
    const reply: FrameBody = { type: 'reply', to: 'c/1', call: 4, viewId: 8, rank: 0, failed: false, payload: bytes(1), context: '' };
    expect(roundTrip(reply)).toEqual(reply);
    const fromMemory: FrameBody = { ...reply, ranIn: { viewId: 6, rank: 2 } };
    expect(roundTrip(fromMemory)).toEqual(fromMemory);
  });

  it("a client-result names, per reply, the view it ran in when it is not the result's", () => {
    const result: FrameBody = {
      type: 'client-result',
      call: 1,
      viewId: 8,
      expected: ['a/1', 'b/1'],
      replies: [
        { member: 'a/1', rank: 0, failed: false, payload: bytes(1) },
        { member: 'b/1', rank: 2, viewId: 6, failed: false, payload: bytes(2) },
      ],
      failed: [],
      slow: [],
      quorumMet: true,
    };
    expect(roundTrip(result)).toEqual(result);
  });
});
