/**
 * docs/deploying.md's config blocks are checked: every YAML block parses (every document a
 * Kubernetes object of the shape the page describes: each StatefulSet behind a headless Service
 * that selects its pods, the members' Service publishing not-ready addresses, the NATS routes and
 * the members' server list naming the NATS pods), and every TypeScript block type-checks against
 * this repository's packages (compiled in memory with the root tsconfig's options).
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PAGE = readFileSync(join(ROOT, 'docs', 'deploying.md'), 'utf8');

function blocks(language: string): string[] {
  const pattern = new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g');
  return [...PAGE.matchAll(pattern)].map((m) => m[1]!);
}

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
};

function objects(): K8sObject[] {
  return blocks('yaml').flatMap((text, b) =>
    parseAllDocuments(text).map((doc, d) => {
      expect({ block: b, doc: d, errors: doc.errors.map((e) => e.message) }).toEqual({ block: b, doc: d, errors: [] });
      return doc.toJS() as K8sObject;
    }),
  );
}

describe('docs/deploying.md', () => {
  it('has YAML blocks that parse into Kubernetes objects', () => {
    const all = objects();
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const o of all) {
      expect(typeof o.apiVersion).toBe('string');
      expect(typeof o.kind).toBe('string');
      expect(typeof o.metadata?.name).toBe('string');
    }
  });

  it('puts each StatefulSet behind a headless Service that selects its pods', () => {
    const all = objects();
    const services = new Map(all.filter((o) => o.kind === 'Service').map((o) => [o.metadata.name, o]));
    const sets = all.filter((o) => o.kind === 'StatefulSet');
    expect(sets.map((s) => s.metadata.name).sort()).toEqual(['cohort', 'nats']);
    for (const set of sets) {
      const spec = set.spec as {
        serviceName: string;
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string> } };
      };
      const service = services.get(spec.serviceName);
      expect(service).toBeDefined();
      const serviceSpec = service!.spec as { clusterIP: string; selector: Record<string, string> };
      expect(serviceSpec.clusterIP).toBe('None');
      expect(serviceSpec.selector).toEqual(spec.selector.matchLabels);
      expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
    }
    expect((services.get('cohort')!.spec as { publishNotReadyAddresses?: boolean }).publishNotReadyAddresses).toBe(true);
  });

  it('routes the NATS servers to each other and gives the members all three', () => {
    const all = objects();
    const config = all.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nats-config')!.data!['nats.conf']!;
    const nats = all.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'nats')!.spec as { replicas: number };
    const pods = Array.from({ length: nats.replicas }, (_, i) => `nats-${i}.nats`);
    for (const pod of pods) expect(config).toContain(`nats-route://${pod}:6222`);
    const cohort = all.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'cohort')!.spec as {
      template: { spec: { terminationGracePeriodSeconds: number; containers: { env: { name: string; value?: string }[] }[] } };
    };
    const env = cohort.template.spec.containers[0]!.env;
    const servers = env.find((e) => e.name === 'NATS_SERVERS')!.value!.split(',');
    expect(servers).toEqual(pods.map((p) => `nats://${p}:4222`));
    // The grace period outlasts the leave timeout the entry point sets (10 s).
    expect(cohort.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(10_000);
    const timing = all.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'cohort-timing-multi-region')!.data!['TIMING']!;
    expect(Object.keys(JSON.parse(timing) as object).length).toBeGreaterThan(5);
  });

  it('has TypeScript blocks that type-check against the packages', () => {
    const sources = blocks('ts');
    expect(sources.length).toBeGreaterThanOrEqual(4);
    const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, ROOT);
    const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, types: ['node'] };
    // In memory, in a folder of this package (an ES module scope: top-level await is fine).
    const files = new Map(sources.map((text, i) => [join(ROOT, 'packages', 'nats', 'test', `deploying-block-${i + 1}.ts`), text]));
    const host = ts.createCompilerHost(options);
    const { fileExists, readFile, getSourceFile } = host;
    host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
    host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
    host.getSourceFile = (name, language, onError, create) =>
      files.has(name)
        ? ts.createSourceFile(name, files.get(name)!, language, true)
        : getSourceFile.call(host, name, language, onError, create);
    const program = ts.createProgram([...files.keys()], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || files.has(d.file.fileName))
      .map(
        (d) =>
          `${d.file ? `${d.file.fileName.split('/').pop()}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      );
    expect(problems).toEqual([]);
  }, 60_000);
});
