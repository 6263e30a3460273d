/**
 * The Nest guide (docs/nestjs.md) and the package README (packages/nestjs/README.md) compile
 * as written: every ```ts block is a complete module (imports included), type-checked with the
 * root tsconfig.json's compiler options and path mappings, so '@cohort/core', '@cohort/nestjs'
 * and node_modules resolve as they do for the repository's own code. All blocks go into one
 * program (one type-check of the packages, not one per block). A failing block is reported
 * with the line of the guide it is on.
 *
 * The blocks are compiled in memory, as files of a folder inside this package
 * (test/docs/.blocks/, an ES-module scope: top-level await is fine), so nothing is written to
 * disk: no file is left behind if the run is killed, and a `tsc -p tsconfig.json` running
 * meanwhile (it includes packages/*\/test) never sees them.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const BLOCKS_DIR = join(ROOT, 'packages', 'nestjs', 'test', 'docs', '.blocks');
const GUIDE = 'docs/nestjs.md';
const PACKAGE_README = 'packages/nestjs/README.md';
const DOCS = [GUIDE, PACKAGE_README] as const;

/** Fence languages that are TypeScript (or JavaScript) under another name: they would escape the check. */
const UNCHECKED_CODE = new Set(['typescript', 'tsx', 'mts', 'cts', 'js', 'javascript', 'jsx', 'mjs', 'cjs']);

interface Block {
  readonly doc: string;
  /** 1-based line, in the document, of the block's first line of code. */
  readonly line: number;
  readonly language: string;
  readonly code: string;
}

/** The fenced code blocks of a Markdown document (indented fences of list items included). */
function fencedBlocks(doc: string): Block[] {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const blocks: Block[] = [];
  let open: { indent: string; fence: string; language: string; line: number; body: string[] } | null = null;
  lines.forEach((text, index) => {
    if (!open) {
      const start = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(text);
      if (start) open = { indent: start[1]!, fence: start[2]!, language: start[3]!.toLowerCase(), line: index + 2, body: [] };
      return;
    }
    const trimmed = text.trim();
    if (trimmed.startsWith(open.fence) && /^[`~]+$/.test(trimmed) && trimmed[0] === open.fence[0]) {
      blocks.push({ doc, line: open.line, language: open.language, code: open.body.join('\n') });
      open = null;
      return;
    }
    open.body.push(text.startsWith(open.indent) ? text.slice(open.indent.length) : text.trimStart());
  });
  if (open) throw new Error(`${doc}: the code fence opened at line ${(open as { line: number }).line - 1} is never closed`);
  return blocks;
}

/** A virtual file name for a block: the document and the line it starts on. */
function fileOf(block: Block): string {
  const slug = block.doc.replace(/[^a-z0-9]+/gi, '-').replace(/-md$/, '');
  return join(BLOCKS_DIR, `${slug}-L${block.line}.ts`);
}

/** `docs/nestjs.md:123 (block at line 120): TS2304: Cannot find name 'wire'.` */
function describeDiagnostic(diagnostic: ts.Diagnostic, blockOf: ReadonlyMap<string, Block>): string {
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ');
  const block = diagnostic.file ? blockOf.get(diagnostic.file.fileName) : undefined;
  if (!diagnostic.file || !block) return `TS${diagnostic.code}: ${text}`;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
  return `${block.doc}:${block.line + line} (block at line ${block.line}): TS${diagnostic.code}: ${text}`;
}

/** One program for every block of every document; the problems of each document, by line. */
function typeCheck(blocks: readonly Block[]): Map<string, string[]> {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  // The repository's options and path mappings; the node types only (a guide's code is not a test).
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, types: ['node'] };
  const blockOf = new Map(blocks.map((block) => [fileOf(block), block]));
  // `export {}` keeps a block without imports a module (its names stay its own); after the
  // last line, so the lines do not move.
  const sources = new Map([...blockOf].map(([file, block]) => [file, `${block.code}\nexport {};\n`]));
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => sources.has(name) || fileExists.call(host, name);
  host.readFile = (name) => sources.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, onError, create) =>
    sources.has(name)
      ? ts.createSourceFile(name, sources.get(name)!, language, true)
      : getSourceFile.call(host, name, language, onError, create);
  const program = ts.createProgram([...sources.keys()], options, host);
  const problems = new Map<string, string[]>(DOCS.map((doc) => [doc, []]));
  const general = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const doc of DOCS) problems.get(doc)!.push(...general.map((d) => describeDiagnostic(d, blockOf)));
  for (const [file, block] of blockOf) {
    const source = program.getSourceFile(file)!;
    const found = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    problems.get(block.doc)!.push(...found.map((d) => describeDiagnostic(d, blockOf)));
  }
  return problems;
}

const blocksOf = new Map(DOCS.map((doc) => [doc, fencedBlocks(doc)]));
const tsBlocks = [...blocksOf.values()].flat().filter((block) => block.language === 'ts');

describe('the Nest guide and the package README compile as written', () => {
  let problems: Map<string, string[]>;

  beforeAll(() => {
    problems = typeCheck(tsBlocks);
  }, 180_000);

  it('has the blocks a reader follows from install to production', () => {
    const count = (doc: string): number => tsBlocks.filter((block) => block.doc === doc).length;
    expect(count(GUIDE)).toBeGreaterThanOrEqual(15);
    expect(count(PACKAGE_README)).toBeGreaterThanOrEqual(1);
  });

  it.each(DOCS)('%s: every code block says its language, and TypeScript is tagged ts', (doc) => {
    const untagged = blocksOf
      .get(doc)!
      .filter((block) => block.language === '' || UNCHECKED_CODE.has(block.language))
      .map((block) => `${doc}:${block.line - 1}: a block tagged "${block.language}" (write ts to have it compiled, or text)`);
    expect(untagged).toEqual([]);
  });

  it.each(DOCS)('%s: every ts block type-checks as a module of its own', (doc) => {
    expect(problems.get(doc)).toEqual([]);
  });

  it("opens with README.md's quick start, as written there (apps/demo/test/readme.e2e-spec.ts runs it)", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## NestJS'));
    const quickStart = /<!-- the README test runs this block -->\n```ts\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(quickStart).toBeDefined();
    const first = blocksOf.get(GUIDE)!.find((block) => block.language === 'ts');
    expect(first?.code).toBe(quickStart);
  });
});
