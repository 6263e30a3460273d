/**
 * What a new user does: pack @cohort/core and @cohort/nestjs with `npm pack`, install the
 * tarballs into a fresh Nest application laid out as the Nest CLI generates it, build it with
 * `tsc`, and run two instances over Cohort's TCP wire on 127.0.0.1. Twice: an ES-module app
 * (the CLI's ts-esm template) and a CommonJS one (module commonjs, which loads the packages
 * through require(esm)). The app's sources are in ./app/src. @cohort/nats is packed and
 * installed too; the last tests load it (and its ./testing entry) in both apps.
 *
 * Needs the npm registry (or npm's cache) for the Nest packages; takes tens of seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const APP_SRC = fileURLToPath(new URL('./app/src', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

type Format = 'module' | 'commonjs';
const FORMATS: Format[] = ['module', 'commonjs'];

/** Every process this test starts, until it exits. */
const running = new Set<ChildProcess>();
let work: string;
const apps = new Map<Format, string>();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, within timeoutMs (then kills it and fails). */
function run(command: string, args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      if (code === 0) resolve({ code, stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${code}\n${stdout}\n${stderr}`));
    });
  });
}

/** The environment without what `npm test` exports to its scripts (npm_config_*, …), which would steer the inner npm. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) && key !== 'NODE_OPTIONS') env[key] = value;
  return { ...env, ...extra };
}

/** A started instance of an app: the JSON of the lines it printed, by their first word. */
class Instance {
  private readonly child: ChildProcess;
  private output = '';
  private exited = false;

  constructor(cwd: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, ['dist/main.js'], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(this.child);
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.output += chunk;
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.output += chunk;
    });
    this.child.on('close', () => {
      this.exited = true;
      running.delete(this.child);
    });
  }

  lines(word: string): unknown[] {
    return this.output
      .split('\n')
      .filter((line) => line.startsWith(`${word} `))
      .map((line) => JSON.parse(line.slice(word.length + 1)));
  }

  /** The first line starting with `word`, within timeoutMs. */
  async line<T>(word: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [found] = this.lines(word);
      if (found !== undefined) return found as T;
      if (this.exited) throw new Error(`the app exited before printing ${word}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no ${word} line within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGTERM (the app leaves the group), then SIGKILL if it is still there after 2 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const closed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await closed;
    clearTimeout(killer);
  }
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** The packages packed here; @cohort/nats is installed in both apps too, and only loaded (see the last tests). */
type Packed = 'core' | 'nestjs' | 'nats';

/** `npm pack` of one workspace package into `into`; returns the tarball's path and checks what it holds. */
async function pack(name: Packed, into: string): Promise<string> {
  const dir = join(ROOT, 'packages', name);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', into], dir, 60_000);
  const [result] = JSON.parse(stdout) as PackResult[];
  const files = new Set(result!.files.map((file) => file.path));
  for (const required of ['package.json', 'LICENSE', 'README.md', 'dist/index.js', 'dist/index.d.ts']) expect(files).toContain(required);
  expect([...files].filter((file) => file.endsWith('.tsbuildinfo'))).toEqual([]);
  // Every source map (code and declarations) points at sources that are in the tarball.
  const missing: string[] = [];
  for (const file of files) {
    if (!file.endsWith('.map')) continue;
    const map = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { sources: string[]; sourceRoot?: string };
    for (const source of map.sources) {
      const target = normalize(join(dirname(file), map.sourceRoot ?? '', source));
      if (!files.has(target)) missing.push(`${file} -> ${target}`);
    }
  }
  // A dist file left over from a deleted source shows up here too: `rm -rf packages/*/dist && npm run build`.
  expect(missing).toEqual([]);
  return join(into, result!.filename);
}

function versionOf(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The app as `nest new` lays it out: package.json, tsconfig.json, tsconfig.build.json, nest-cli.json, src/. */
function scaffold(format: Format, tarballs: Record<Packed, string>): string {
  const dir = join(work, format === 'module' ? 'esm-app' : 'cjs-app');
  cpSync(APP_SRC, join(dir, 'src'), { recursive: true });
  const nest = Object.fromEntries(
    ['@nestjs/common', '@nestjs/core', '@nestjs/microservices', '@nestjs/platform-express'].map((name) => [name, versionOf(name)]),
  );
  writeJson(join(dir, 'package.json'), {
    name: `cohort-pack-test-${format}`,
    version: '0.0.1',
    private: true,
    license: 'UNLICENSED',
    ...(format === 'module' ? { type: 'module' } : {}),
    scripts: { build: 'nest build', 'start:prod': 'node dist/main' },
    dependencies: {
      '@cohort/core': `file:${tarballs.core}`,
      '@cohort/nestjs': `file:${tarballs.nestjs}`,
      '@cohort/nats': `file:${tarballs.nats}`,
      ...nest,
      'reflect-metadata': versionOf('reflect-metadata'),
      rxjs: versionOf('rxjs'),
    },
    devDependencies: { '@types/node': versionOf('@types/node') },
  });
  // The CLI's compiler options; the CommonJS app keeps the classic `module: commonjs` (node10
  // resolution: the packages' main/types/typesVersions), the ES-module app the ts-esm template's nodenext.
  writeJson(join(dir, 'tsconfig.json'), {
    compilerOptions: {
      module: format === 'module' ? 'nodenext' : 'commonjs',
      ...(format === 'module' ? { moduleResolution: 'nodenext', resolvePackageJsonExports: true } : {}),
      esModuleInterop: true,
      isolatedModules: true,
      declaration: true,
      removeComments: true,
      emitDecoratorMetadata: true,
      experimentalDecorators: true,
      allowSyntheticDefaultImports: true,
      target: 'ES2023',
      types: ['node'],
      sourceMap: true,
      outDir: './dist',
      rootDir: '.',
      incremental: true,
      skipLibCheck: true,
      strict: true,
      strictPropertyInitialization: false,
    },
  });
  writeJson(join(dir, 'tsconfig.build.json'), {
    extends: './tsconfig.json',
    compilerOptions: { rootDir: './src' },
    include: ['src'],
    exclude: ['node_modules', 'test', 'dist', '**/*spec.ts'],
  });
  writeJson(join(dir, 'nest-cli.json'), {
    $schema: 'https://json.schemastore.org/nest-cli',
    collection: '@nestjs/schematics',
    sourceRoot: 'src',
    compilerOptions: { deleteOutDir: true },
  });
  return dir;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Installs, then builds with tsc; the CommonJS app is also type-checked as Nest 12's CLI configures it (module nodenext). */
async function installAndBuild(format: Format, dir: string): Promise<void> {
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], dir, 180_000);
  await Promise.all([
    run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], dir, 90_000),
    format === 'commonjs' &&
      run(
        process.execPath,
        [TSC, '-p', 'tsconfig.build.json', '--noEmit', '--incremental', 'false', '--module', 'nodenext', '--moduleResolution', 'nodenext'],
        dir,
        90_000,
      ),
  ]);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cohort-pack-'));
  // `npm run build` for the packages packed here (tsc -b follows their references to core).
  await run(process.execPath, [TSC, '-b', 'packages/nestjs', 'packages/nats'], ROOT, 180_000);
  const [core, nestjs, nats] = await Promise.all([pack('core', work), pack('nestjs', work), pack('nats', work)]);
  const tarballs = { core: core!, nestjs: nestjs!, nats: nats! };
  await Promise.all(
    FORMATS.map(async (format) => {
      const dir = scaffold(format, tarballs);
      await installAndBuild(format, dir);
      apps.set(format, dir);
    }),
  );
}, 300_000);

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(FORMATS)('the packed packages in a Nest application (%s)', (format) => {
  it('run two instances over the TCP wire: a @Multicast call and a GroupServer pattern answer from both', async () => {
    const dir = apps.get(format)!;
    const group = `pack-test-${format}`;
    const first = new Instance(dir, { MEMBER_NAME: 'first', COHORT_GROUP_NAME: group, COHORT_SEEDS: '' });
    let second: Instance | undefined;
    try {
      const ready = await first.line<{ address: string; format: Format; testing: string; internal: string }>('READY', 30_000);
      expect(ready).toEqual({ address: expect.stringMatching(/^127\.0\.0\.1:\d+$/), format, testing: 'function', internal: 'function' });
      second = new Instance(dir, { MEMBER_NAME: 'second', COHORT_GROUP_NAME: group, COHORT_SEEDS: ready.address, CALLER: '1' });
      const result = await second.line<{ greetings: string[]; names: string[]; members: number }>('RESULT', 30_000);
      // The second instance called; the first one's handler ran and its reply came back (rank order: the former first).
      expect(result).toEqual({ greetings: ['first greets second', 'second greets second'], names: ['first', 'second'], members: 2 });
      await first.line('HANDLED', 5_000);
      expect(first.lines('HANDLED')).toEqual([{ member: 'first', from: 'second' }]);
    } finally {
      // One after the other: each leaves the group (enableShutdownHooks) on SIGTERM.
      await second?.stop();
      await first.stop();
    }
  }, 70_000);
});

describe('the packed packages', () => {
  it('export ./package.json', async () => {
    const { stdout } = await run(
      process.execPath,
      ['-p', "require('@cohort/nestjs/package.json').version + ' ' + require('@cohort/core/package.json').version"],
      apps.get('commonjs')!,
      10_000,
    );
    expect(stdout.trim()).toBe(`${versionOf('@cohort/nestjs')} ${versionOf('@cohort/core')}`);
  });

  // @cohort/nats and its ./testing entry: loaded by require() and by import, and their types
  // resolved as each app's compiler options resolve them (node10 through typesVersions, nodenext through exports).
  it.each(FORMATS)(
    'load @cohort/nats and @cohort/nats/testing in the %s app, types included',
    async (format) => {
      const dir = apps.get(format)!;
      const load =
        format === 'commonjs'
          ? [
              '-e',
              "const n = require('@cohort/nats'), t = require('@cohort/nats/testing'); console.log(typeof n.natsWire, typeof n.discoverSeeds, typeof t.NatsCluster)",
            ]
          : [
              '--input-type=module',
              '-e',
              "import { natsWire, discoverSeeds } from '@cohort/nats'; import { NatsCluster } from '@cohort/nats/testing'; console.log(typeof natsWire, typeof discoverSeeds, typeof NatsCluster)",
            ];
      expect((await run(process.execPath, load, dir, 10_000)).stdout.trim()).toBe('function function function');
      writeFileSync(
        join(dir, 'nats-check.ts'),
        "import { natsWire, type NatsWireOptions } from '@cohort/nats';\nimport { NatsCluster } from '@cohort/nats/testing';\n" +
          "export const check: [typeof natsWire, NatsWireOptions['subjectPrefix'], typeof NatsCluster.start] = [natsWire, 'p', NatsCluster.start];\n",
      );
      const module = format === 'commonjs' ? ['--module', 'commonjs'] : ['--module', 'nodenext', '--moduleResolution', 'nodenext'];
      await run(
        process.execPath,
        [TSC, '--noEmit', '--strict', '--skipLibCheck', '--types', 'node', ...module, 'nats-check.ts'],
        dir,
        60_000,
      );
    },
    70_000,
  );
});
