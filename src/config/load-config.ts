import { readFile } from 'node:fs/promises';
import { parseManifests } from '../api/manifests.ts';
import { validate, type Validated } from '../api/validation.ts';
import { controllerManagerConfigSchema, type ControllerManagerConfig } from './controller-manager-config.ts';
import { withoutScmOnlyKeys } from './scm-only-keys.ts';

const configMapKey = 'config.yaml';

function singleDocument(text: string, source: string): Validated<unknown> {
  const manifests = parseManifests(text, source);
  if (manifests.errors.length > 0) return { ok: false, errors: manifests.errors };
  if (manifests.objects.length !== 1) {
    return { ok: false, errors: [`${source}: expected one ControllerManagerConfig document, found ${manifests.objects.length}`] };
  }
  return { ok: true, value: manifests.objects[0] };
}

// The seed ships the config inside a ConfigMap; accepting that file as it is saves users a copy step.
function configMapData(object: unknown): string | undefined {
  if (typeof object !== 'object' || object === null || (object as { kind?: unknown }).kind !== 'ConfigMap') return undefined;
  const data = (object as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return undefined;
  const text = (data as Record<string, unknown>)[configMapKey];
  return typeof text === 'string' ? text : undefined;
}

/**
 * The controller's configuration from the text of its file: one YAML (or JSON) document of kind
 * ControllerManagerConfig, or the seed's ConfigMap holding it under `config.yaml`. Errors name the key:
 * `config.yaml: leaderElection.leaseDuration: invalid duration "15"`.
 */
export function parseControllerManagerConfig(text: string, source: string): Validated<ControllerManagerConfig> {
  let document = singleDocument(text, source);
  if (!document.ok) return document;
  let where = source;
  const wrapped = configMapData(document.value);
  if (wrapped !== undefined) {
    where = `${source}: data.${configMapKey}`;
    document = singleDocument(wrapped, where);
    if (!document.ok) return document;
  }
  // spire-controller-manager's keys that the registrar does not take are refused with the reason.
  const scm = withoutScmOnlyKeys(document.value);
  const validated = validate(controllerManagerConfigSchema, scm.document, where);
  if (scm.errors.length === 0) return validated;
  return { ok: false, errors: [...scm.errors.map((error) => `${where}: ${error}`), ...(validated.ok ? [] : validated.errors)] };
}

/** Reads and validates the configuration file at `path`; errors are named after the path. */
export async function readControllerManagerConfig(path: string): Promise<Validated<ControllerManagerConfig>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, errors: [`${path}: cannot read the configuration: ${(error as Error).message}`] };
  }
  return parseControllerManagerConfig(text, path);
}
