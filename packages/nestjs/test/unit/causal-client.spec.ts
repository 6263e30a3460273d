import { CausalContext } from '@cohort/core';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { CAUSAL_CONTEXT_HEADER, instrumentClientProxy, runInCausalCell } from '../../src/index.js';
import { isCausalReplyEnvelope, wrapCausalReply } from '../../src/causal/causal-envelope.js';
import { currentCausalContext } from '../../src/causal/causal-scope.js';

/** A ClientProxy whose "server" answers in an envelope holding what the request carried plus one entry. */
class LoopbackClient extends ClientProxy {
  readonly packets: ReadPacket[] = [];
  async connect(): Promise<void> {}
  close(): void {}
  unwrap<T>(): T {
    return this as unknown as T;
  }
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    this.packets.push(packet);
    const carried = CausalContext.decode(packet.metadata![CAUSAL_CONTEXT_HEADER]!);
    const learned = carried.merge(CausalContext.of('G', { viewId: 1, deps: [0, 7] }));
    setImmediate(() => callback({ response: wrapCausalReply(`echo ${String(packet.data)}`, learned), isDisposed: true }));
    return () => undefined;
  }
  protected async dispatchEvent<T>(packet: ReadPacket): Promise<T> {
    this.packets.push(packet);
    return undefined as T;
  }
}

describe('instrumentClientProxy', () => {
  it("chains the dispatch hook already set, puts the caller's context in the metadata, and absorbs the reply's", async () => {
    const client = new LoopbackClient();
    client.setOnDispatchHook((packet) => {
      packet.metadata = { ...(packet.metadata ?? {}), traceparent: '00-abc' };
    });
    instrumentClientProxy(client);
    instrumentClientProxy(client); // idempotent
    const start = CausalContext.of('G', { viewId: 1, deps: [3, 0] });
    const after = await runInCausalCell(start, async () => {
      const value = await lastValueFrom(client.send('ping', 'x'));
      expect(value).toBe('echo x');
      return currentCausalContext();
    });
    expect(client.packets[0]!.metadata!['traceparent']).toBe('00-abc');
    expect(CausalContext.decode(client.packets[0]!.metadata![CAUSAL_CONTEXT_HEADER]!).get('G')).toEqual({ viewId: 1, deps: [3, 0] });
    expect(after.get('G')).toEqual({ viewId: 1, deps: [3, 7] });
  });

  it('passes plain (unwrapped) replies through', async () => {
    const client = instrumentClientProxy(
      new (class extends LoopbackClient {
        protected override publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
          setImmediate(() => callback({ response: 'plain', isDisposed: true }));
          return () => undefined;
        }
      })(),
    );
    expect(await lastValueFrom(client.send('ping', 1))).toBe('plain');
    expect(isCausalReplyEnvelope('plain')).toBe(false);
  });
});
