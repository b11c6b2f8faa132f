import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const projectConfig = fileURLToPath(new URL('../../eslint.config.js', import.meta.url));

/** The project's lint over a tree of `files` (path: text), as `npx eslint .` runs it: the messages of project/no-import-cycle. */
async function cycleMessages(files: Readonly<Record<string, string>>): Promise<string[]> {
  const root = await mkdtemp(path.join(tmpdir(), 'no-import-cycle-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await writeFile(path.join(root, name), text);
    }
    const results = await new ESLint({ cwd: root, overrideConfigFile: projectConfig }).lintFiles(['.']);
    return results
      .flatMap((result) => result.messages.map((message) => ({ ...message, file: path.relative(root, result.filePath) })))
      .filter((message) => message.ruleId === 'project/no-import-cycle')
      .map((message) => `${message.file}:${message.line}: ${message.message}`)
      .sort();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const cycleOf = (...chain: string[]): string => `Import cycle: ${chain.join(' -> ')}. Move what both sides need into a module of its own.`;

test('a cycle through a type-only import fails, at each import on it', async () => {
  assert.deepEqual(
    await cycleMessages({
      'src/entries.ts': "import type { Entry } from './plan.ts';\nexport class Entries {\n  readonly all: Entry[] = [];\n}\n",
      'src/plan.ts': "import { Entries } from './entries.ts';\nexport interface Entry {\n  readonly id: string;\n}\nexport const plan = (): Entries => new Entries();\n",
    }),
    [`src/entries.ts:1: ${cycleOf('src/entries.ts', 'src/plan.ts', 'src/entries.ts')}`, `src/plan.ts:1: ${cycleOf('src/plan.ts', 'src/entries.ts', 'src/plan.ts')}`],
  );
});

test('a longer cycle across folders, through a re-export, fails', async () => {
  const messages = await cycleMessages({
    'src/a/one.ts': "export { two } from '../b/two.ts';\nexport const one = 1;\n",
    'src/b/two.ts': "import { three } from './three.ts';\nexport const two = three;\n",
    'src/b/three.ts': "import { one } from '../a/one.ts';\nexport const three = (): number => one;\n",
  });
  assert.equal(messages.length, 3);
  assert.equal(messages[0], `src/a/one.ts:1: ${cycleOf('src/a/one.ts', 'src/b/two.ts', 'src/b/three.ts', 'src/a/one.ts')}`);
});

test('imports that lead nowhere back, and files outside src/, pass', async () => {
  assert.deepEqual(
    await cycleMessages({
      'src/entry.ts': 'export interface Entry {\n  readonly id: string;\n}\n',
      'src/entries.ts': "import type { Entry } from './entry.ts';\nexport class Entries {\n  readonly all: Entry[] = [];\n}\n",
      'src/plan.ts': "import type { Entry } from './entry.ts';\nimport { Entries } from './entries.ts';\nexport const plan = (entry: Entry): Entries => {\n  const entries = new Entries();\n  entries.all.push(entry);\n  return entries;\n};\n",
      'bench/x.ts': "import { y } from './y.ts';\nexport const x = y;\n",
      'bench/y.ts': "import { x } from './x.ts';\nexport const y = (): unknown => x;\n",
    }),
    [],
  );
});
