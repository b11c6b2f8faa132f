import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { rigCacheDir } from '../rig/components.ts';
import { repoRoot, type ManifestObject } from '../integration/manifests/manifest-files.ts';

/** The chart's directory. */
export const chartDir = join(repoRoot, 'charts', 'spire-eks-workload-registrar');

/** The chart's values examples (ci/, as chart-testing names them), relative to the chart. */
export const valuesExamples = ['ci/irsa-values.yaml', 'ci/pod-identity-values.yaml', 'ci/spire-server-pod-values.yaml', 'ci/workload-cluster-values.yaml'];

// Helm's own config, cache and data stay out of the user's home, and go with the test process.
const helmHome = mkdtempSync(join(tmpdir(), 'chart-test-helm-'));
process.once('exit', () => rmSync(helmHome, { recursive: true, force: true }));

export interface HelmResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the rig's helm (test/rig/build.sh builds it) in the chart's directory. */
export function helm(args: readonly string[]): HelmResult {
  const binary = join(rigCacheDir(), 'bin', 'helm');
  assert.ok(existsSync(binary), `helm is not built (looked for ${binary}); run 'npm run rig:build' first`);
  const result = spawnSync(binary, args, {
    cwd: chartDir,
    encoding: 'utf8',
    env: { ...process.env, HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_DATA_HOME: join(helmHome, 'data') },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `helm <args>`, failing the test with helm's output unless it exits 0. */
export function helmOk(args: readonly string[]): string {
  const result = helm(args);
  assert.equal(result.status, 0, `helm ${args.join(' ')}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** The objects `helm template` renders for the chart (or a packaged `chart`) in `namespace` with `args` (-f, --set, --include-crds). */
export function render(args: readonly string[] = [], namespace = 'spire-system', chart = '.'): ManifestObject[] {
  const text = helmOk(['template', 'spire-eks-workload-registrar', chart, '--namespace', namespace, ...args]);
  return parseAllDocuments(text)
    .map((document) => document.toJS() as unknown)
    .filter((object): object is ManifestObject => object !== null && typeof object === 'object');
}
