import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where test/rig/build.sh puts what it builds: outside the clone, shared by every clone. */
export function rigCacheDir(): string {
  return process.env.RIG_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'spire-eks-workload-registrar');
}

export type Component = 'etcd' | 'kube-apiserver' | 'spire-server' | 'spire-controller-manager' | 'moto_server' | 'python';

/** The path of a built component, or an error that says how to build it. */
export function componentPath(component: Component): string {
  const cache = rigCacheDir();
  const path =
    component === 'moto_server' || component === 'python'
      ? join(cache, 'moto', 'bin', component === 'python' ? 'python3' : component)
      : join(cache, 'bin', component);
  if (!existsSync(path)) {
    throw new Error(`${component} is not built (looked for ${path}); run 'npm run rig:build' first`);
  }
  return path;
}
