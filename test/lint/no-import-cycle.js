// An ESLint rule that fails on import cycles, type-only imports included. eslint-plugin-import-x's
// no-cycle (like eslint-plugin-import's) skips `import type` declarations, so it cannot see a cycle such
// as the one issue 10 found in src/reconcile (a type imported one way, a class the other).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** The relative imports of the files read from disk, by absolute path, with the stat they were read at. */
const importsByFile = new Map();

function importsOf(file) {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return [];
  }
  const known = importsByFile.get(file);
  if (known !== undefined && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known.targets;
  // preProcessFile lists every module specifier, `import type`, `export ... from` and `import()` included.
  const targets = ts
    .preProcessFile(readFileSync(file, 'utf8'), true, true)
    .importedFiles.filter(({ fileName }) => fileName.startsWith('.'))
    .map(({ fileName }) => path.resolve(path.dirname(file), fileName));
  importsByFile.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, targets });
  return targets;
}

/** The shortest chain of imports from `start` to `goal` (both included), or undefined when there is none. */
function importChain(start, goal) {
  if (start === goal) return [goal];
  const reachedFrom = new Map([[start, undefined]]);
  const queue = [start];
  for (let index = 0; index < queue.length; index++) {
    const file = queue[index];
    for (const next of importsOf(file)) {
      if (next === goal) {
        const chain = [goal];
        for (let at = file; at !== undefined; at = reachedFrom.get(at)) chain.unshift(at);
        return chain;
      }
      if (!reachedFrom.has(next)) {
        reachedFrom.set(next, file);
        queue.push(next);
      }
    }
  }
  return undefined;
}

export const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid an import from which a chain of imports (type-only ones included) leads back to the importing module.' },
    schema: [],
    messages: { cycle: 'Import cycle: {{chain}}. Move what both sides need into a module of its own.' },
  },
  create(context) {
    const file = context.physicalFilename;
    const check = (specifier, node) => {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const chain = importChain(path.resolve(path.dirname(file), specifier), file);
      if (chain === undefined) return;
      context.report({ node, messageId: 'cycle', data: { chain: [file, ...chain].map((at) => path.relative(context.cwd, at)).join(' -> ') } });
    };
    const fromSource = (node) => check(node.source?.value, node);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression: fromSource,
      TSImportType: (node) => check(node.argument?.literal?.value, node),
    };
  },
};
