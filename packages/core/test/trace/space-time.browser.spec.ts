/**
 * The space-time diagram in a real headless browser: Debian's chromium (/usr/bin/chromium,
 * or $CHROMIUM_PATH; .ci/run installs it) driven by playwright-core. The page is drawn by the
 * `cohort` command itself (bin/cohort.js, as `npx cohort trace` runs it); the test counts
 * what the browser renders and keeps a screenshot in test-artifacts/trace/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserServer } from 'playwright-core';
import { expectedCounts, tracedRun } from './traced-run.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const artifacts = join(root, 'test-artifacts', 'trace');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the space-time diagram in a real browser', () => {
  let server: BrowserServer | undefined;
  let browser: Browser | undefined;
  let pid: number | undefined;
  let html: string;
  let expected: { arrows: number; bands: number; holds: number };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`,
      );
    mkdirSync(artifacts, { recursive: true });
    // The run, with t's first delivery doubled: the checker finds 'no-duplicate' there.
    const run = await tracedRun();
    const lines = run.text.trimEnd().split('\n');
    const first = lines.findIndex((l) => l.includes('"kind":"deliver"') && l.includes(`"member":"${run.me.t}"`));
    lines.splice(first + 1, 0, lines[first]!);
    const jsonl = join(artifacts, 'run.jsonl');
    writeFileSync(jsonl, `${lines.join('\n')}\n`);
    expected = expectedCounts(lines.map((l) => JSON.parse(l) as never));
    html = join(artifacts, 'space-time.html');
    const cli = spawnSync(process.execPath, [join(root, 'packages/core/bin/cohort.js'), 'trace', jsonl, '--html', html, '--check'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(`${expected.arrows} arrows, ${expected.bands} views, ${expected.holds} held, 1 violations`);

    server = await chromium.launchServer({ executablePath: CHROMIUM, headless: true });
    pid = server.process().pid;
    browser = await chromium.connect(server.wsEndpoint());
  }, 90_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    if (pid !== undefined) {
      for (let i = 0; i < 50 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(alive(pid)).toBe(false);
    }
  }, 30_000);

  it('loads without a console error or a request beyond the page, and shows the arrows, bands, holds and the violation', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

    expect(await page.locator('svg.space-time .arrow').count()).toBe(expected.arrows);
    expect(await page.locator('svg.space-time .view-band').count()).toBe(expected.bands);
    expect(await page.locator('svg.space-time .held').count()).toBe(expected.holds);
    expect(await page.locator('svg.space-time .lane').count()).toBe(3);
    expect(await page.locator('svg.space-time .flush').count()).toBeGreaterThanOrEqual(2);
    // The violation sits on t's lane, in red.
    const violation = page.locator('svg.space-time .violation');
    expect(await violation.count()).toBe(1);
    expect(await violation.locator('circle').getAttribute('cy')).toBe(
      await page.locator('svg.space-time .lane[data-lane="2"]').getAttribute('y1'),
    );
    // Runs in the page (the DOM's getComputedStyle; this project's types have no DOM).
    const strokeOf = (el: unknown): string =>
      (globalThis as unknown as { getComputedStyle(e: unknown): { stroke: string } }).getComputedStyle(el).stroke;
    expect(await violation.locator('line').evaluate(strokeOf)).toBe('rgb(208, 0, 0)');
    expect(await page.locator('.violation-list li').textContent()).toContain('no-duplicate');

    // Hovering a message lights every arrow of it and tells its details.
    const arrow = page.locator('svg.space-time .arrow.order-causal').first();
    // Dispatched on the arrow itself: a hover at its middle may land on a mark drawn over it.
    await arrow.dispatchEvent('mouseover');
    const msg = await arrow.getAttribute('data-msg');
    expect(await page.locator(`svg.space-time .arrow.lit[data-msg="${msg}"]`).count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('.info').textContent()).toContain(msg!);

    await page.screenshot({ path: join(artifacts, 'space-time.png'), fullPage: true });
    expect(existsSync(join(artifacts, 'space-time.png'))).toBe(true);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(html).href]);
    await page.close();
  }, 60_000);
});
