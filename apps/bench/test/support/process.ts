import { join } from 'node:path';

/** The repository root: the bench's scripts run from there (tsx finds tsconfig.json). */
export const ROOT = join(import.meta.dirname, '..', '..', '..', '..');

/** True while a process with this PID exists (signal 0 checks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
