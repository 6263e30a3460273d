import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const MARK = '<!-- the README test runs this block -->';

/** The README's code blocks marked to run, exactly as written. */
function markedBlocks(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks: string[] = [];
  for (const part of readme.split(MARK).slice(1)) {
    const match = part.match(/^\s*```ts\n([\s\S]*?)\n```/);
    if (!match) throw new Error(`a block marked "${MARK}" is not a ts code block`);
    blocks.push(match[1]!);
  }
  return blocks;
}

describe("the README's example code", () => {
  const blocks = markedBlocks();

  it('has the blocks the newcomer reads first', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it.each(blocks.map((code, i) => [i + 1, code] as const))(
    'block %i compiles and runs as written',
    (i, code) => {
      // Inside the repository, so '@cohort/…' resolves as it does for a user of the workspace.
      const file = join(root, 'apps/demo/src', `readme-block-${i}.ts`);
      const config = join(root, `tsconfig.readme-block-${i}.json`);
      writeFileSync(file, `${code}\nexport {};\n`);
      // Type-checked alone, with the repository's compiler options: it compiles as written.
      writeFileSync(config, JSON.stringify({ extends: './tsconfig.json', include: [], files: [file] }));
      try {
        const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', config], {
          cwd: root,
          encoding: 'utf8',
          timeout: 120_000,
        });
        expect(tsc.stdout).toBe('');
        expect(tsc.status).toBe(0);
        const run = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
        if (code.includes('list());')) expect(run.stdout).toContain("[ 'AF1981', 'BA123' ]");
      } finally {
        rmSync(file, { force: true });
        rmSync(config, { force: true });
      }
    },
    180_000,
  );
});
