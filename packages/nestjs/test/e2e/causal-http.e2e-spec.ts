import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { CausalContext } from '@cohort/core';
import { Controller, Get } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CAUSAL_CONTEXT_HEADER, CausalModule, absorbCausalContext, currentCausalContext } from '../../src/index.js';
import { AppTracker, quietLogger } from '../support/member-app.js';

@Controller()
class EchoController {
  /** What the handler runs in, then what it learned along the way (as a call's reply would teach it). */
  @Get('echo')
  async echo(): Promise<{ seen: string }> {
    const seen = currentCausalContext().encode();
    await new Promise((resolve) => setImmediate(resolve));
    absorbCausalContext(CausalContext.of('other', { viewId: 3, deps: [0, 4] }));
    return { seen };
  }
}

describe('causal context over HTTP: one request header, one response header', () => {
  const tracker = new AppTracker();
  afterEach(() => tracker.closeAll());

  async function app(causal: boolean): Promise<string> {
    const moduleRef = await Test.createTestingModule({ imports: causal ? [CausalModule.forRoot()] : [], controllers: [EchoController] })
      .setLogger(quietLogger)
      .compile();
    const nest = moduleRef.createNestApplication({ logger: false });
    tracker.track(() => nest.close());
    await nest.listen(0, '127.0.0.1');
    return `http://127.0.0.1:${(nest.getHttpServer().address() as AddressInfo).port}`;
  }

  it("runs the handler inside the request's context and answers with the context after it", async () => {
    const url = await app(true);
    const incoming = CausalContext.of('G', { viewId: 2, deps: [1, 0, 5] });
    const response = await fetch(`${url}/echo`, { headers: { [CAUSAL_CONTEXT_HEADER]: incoming.encode() } });
    const body = (await response.json()) as { seen: string };
    expect(CausalContext.decode(body.seen).get('G')).toEqual({ viewId: 2, deps: [1, 0, 5] });
    const after = CausalContext.decode(response.headers.get(CAUSAL_CONTEXT_HEADER)!);
    expect(after.get('G')).toEqual({ viewId: 2, deps: [1, 0, 5] });
    expect(after.get('other')).toEqual({ viewId: 3, deps: [0, 4] });
  });

  it('starts from an empty context without a header (or with a malformed one) and keeps requests apart', async () => {
    const url = await app(true);
    const [plain, garbage] = await Promise.all([
      fetch(`${url}/echo`),
      fetch(`${url}/echo`, { headers: { [CAUSAL_CONTEXT_HEADER]: '%%%' } }),
    ]);
    for (const response of [plain, garbage]) {
      const body = (await response.json()) as { seen: string };
      expect(CausalContext.decode(body.seen).groupNames).toEqual([]);
      expect(CausalContext.decode(response.headers.get(CAUSAL_CONTEXT_HEADER)!).groupNames).toEqual(['other']);
    }
  });

  it('sets no header without CausalModule', async () => {
    const url = await app(false);
    const response = await fetch(`${url}/echo`, { headers: { [CAUSAL_CONTEXT_HEADER]: CausalContext.empty.encode() } });
    expect(response.status).toBe(200);
    expect(response.headers.get(CAUSAL_CONTEXT_HEADER)).toBeNull();
  });
});
