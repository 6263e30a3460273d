import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

// npm start -- --nats: the same three stories with the group over NATS (natsWire), on a
// nats-server the demo starts on 127.0.0.1 and kills when it ends (nats-server must be
// installed: apt-get install -y nats-server; .ci/run does it).
describe('npm start -- --nats: the demo with the group over NATS', () => {
  it('tells the three stories over NATS and exits 0, leaving no nats-server behind', () => {
    const env = { ...process.env };
    delete env.NATS_URL;
    const run = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'apps/demo/src/main.ts', '--nats'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 80_000,
      env,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const server = /the group runs over NATS at 127\.0\.0\.1:(\d+) \(a nats-server started for the demo\)/.exec(run.stdout);
    expect(server).not.toBeNull();
    expect(run.stdout).toMatch(/joined the group "flights" as \S+ \(group on NATS /);
    expect(run.stdout.match(/applied AF1981→D-9, BA304→D-9, AF1981→D-10/g)).toHaveLength(3);
    expect(run.stdout).toMatch(/member 2 +searched entries 66667\.\.99999/);
    expect(run.stdout).toContain('delivered a (EZY12→C-3) then b (EZY12→C-4)');
    expect(run.stdout).toContain('EZY12 is in sector C-4 at every member: true');
    // The server it started is gone: its port no longer answers.
    const probe = spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${server![1]}`], { timeout: 5000 });
    expect(probe.status).not.toBe(0);
  }, 90_000);
});
