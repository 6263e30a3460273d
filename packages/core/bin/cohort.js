#!/usr/bin/env node
// The `cohort` command. Installed from the registry it runs the build (dist/); in this
// repository's workspace, where dist/ may be stale or absent, it runs the TypeScript source
// through tsx (a dev dependency of the workspace), so `npx cohort` always matches src/.
let tsx = null;
try {
  tsx = import.meta.resolve('tsx/esm/api');
} catch {
  // Not in the workspace: the build it is.
}
const source = new URL('../src/cli/cohort.ts', import.meta.url);
let cli;
if (tsx !== null && (await import('node:fs')).existsSync(source)) {
  const { register } = await import(tsx);
  register();
  cli = await import(source.href);
} else {
  cli = await import('../dist/cli/cohort.js');
}
process.exitCode = cli.main(process.argv.slice(2));
