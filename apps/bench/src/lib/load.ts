import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A child process that keeps `threads` cores busy until it is killed (or 15 min pass): the
 * load the load campaigns run under. Its caller kills it by PID when done, on error too.
 */
export function startLoad(threads: number): ChildProcess {
  const script = `
    const { Worker } = require('node:worker_threads');
    const spin = 'const end = Date.now() + 900000; let x = 0; while (Date.now() < end) { x = (x + 1) % 1e9; }';
    for (let i = 0; i < ${threads}; i++) new Worker(spin, { eval: true });
    setTimeout(() => process.exit(0), 900000);
  `;
  return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
}
