import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';

/** A tiny `--name value` / `--flag` parser for the benchmark scripts (no dependency). */
export class Args {
  private readonly values = new Map<string, string | true>();

  constructor(argv: readonly string[], known: readonly string[]) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}" (options: ${known.map((k) => `--${k}`).join(' ')})`);
      let name = arg.slice(2);
      let value: string | true = true;
      const eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.slice(eq + 1);
        name = name.slice(0, eq);
      } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
        value = argv[++i]!;
      }
      if (!known.includes(name)) throw new Error(`unknown option --${name} (options: ${known.map((k) => `--${k}`).join(' ')})`);
      this.values.set(name, value);
    }
  }

  flag(name: string): boolean {
    return this.values.get(name) === true || this.values.get(name) === 'true';
  }

  string(name: string): string | undefined {
    const raw = this.values.get(name);
    if (raw === true) throw new Error(`--${name} needs a value`);
    return raw;
  }

  int(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.values.get(name);
    if (raw === undefined) return fallback;
    const value = Number(String(raw).replace(/_/g, ''));
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`--${name} must be an integer in ${min}..${max}, got ${String(raw)}`);
    return value;
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.values.get(name);
    if (raw === undefined) return fallback;
    if (!choices.includes(raw as T)) throw new Error(`--${name} must be one of ${choices.join(', ')}, got ${String(raw)}`);
    return raw as T;
  }

  /** A comma-separated list of choices, e.g. `--orders fifo,total`. */
  choices<T extends string>(name: string, choices: readonly T[], fallback: readonly T[]): T[] {
    const raw = this.values.get(name);
    if (raw === undefined) return [...fallback];
    const list = String(raw)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of list) if (!choices.includes(item as T)) throw new Error(`--${name}: "${item}" is not one of ${choices.join(', ')}`);
    return list as T[];
  }
}

/** True when `moduleFile` is the script node was started with (not imported). */
export function isMain(moduleFile: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  const strip = (p: string): string => p.replace(/\.(ts|js|mts)$/, '');
  return strip(resolve(entry)) === strip(resolve(moduleFile));
}

/** 1234567.8 -> "1,234,568". */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Node version, cores and the load average: other processes on the machine skew the figures. */
export function machine(): string {
  const cores = cpus();
  return (
    `node ${process.version}, ${cores.length} cores (${cores[0]?.model.trim() ?? 'unknown'}), ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`
  );
}
