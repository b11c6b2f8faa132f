import { type ExecLimits, MissingKey, type TemplateSet, defaultLimits, executor } from './exec.ts';
import { toWellFormedText } from './go-string.ts';
import { type Tree, parseTemplates } from './parser.ts';

/** How a template parses and executes. */
export interface TemplateOptions {
  /**
   * What a missing map key yields, as text/template's Option("missingkey=..."): `default` prints
   * "<no value>", `zero` yields the zero value of the map's element type, `error` stops with an error.
   * Default: `default`.
   */
  missingKey?: 'default' | 'zero' | 'error';
  /** The left action delimiter. Default: `{{`. */
  leftDelim?: string;
  /** The right action delimiter. Default: `}}`. */
  rightDelim?: string;
}

/** A parsed template, ready to execute any number of times. */
export interface CompiledTemplate {
  readonly name: string;
  /** Renders the template over `data`; throws TemplateError where Go's Execute returns an error, and nothing else. */
  execute(data: unknown): string;
  /** The parse trees by template name (the main one is `name`), for what reads them (the field reach of identity templates). */
  readonly trees: ReadonlyMap<string, Tree>;
}

/** A compiled template that also renders Go's exact bytes (for the command line and the tests). */
export interface RawCompiledTemplate extends CompiledTemplate {
  /** The output as a Go string: a byte that is not valid UTF-8 stays a lone surrogate (see go-string.ts). */
  executeRaw(data: unknown): string;
}

const missingKeys: Record<NonNullable<TemplateOptions['missingKey']>, MissingKey> = {
  default: MissingKey.Invalid,
  zero: MissingKey.Zero,
  error: MissingKey.Error,
};

/** Compiled templates by (name, options, text); parsing once serves every pod. */
const cache = new Map<string, RawCompiledTemplate>();
const maxCacheEntries = 1000;

/**
 * Parses `text` as Go's text/template does for template.New(name).Delims(...).Option(...).Parse(text),
 * including the templates it defines. Throws TemplateError on a parse error. Results are cached.
 */
export function compileTemplate(name: string, text: string, options: TemplateOptions = {}): RawCompiledTemplate {
  const missingKey = options.missingKey ?? 'default';
  const left = options.leftDelim ?? '';
  const right = options.rightDelim ?? '';
  const key = `${name.length}:${name}${missingKey}:${left.length}:${left}${right.length}:${right}${text}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const compiled = compileUncached(name, text, missingKey, left, right, defaultLimits);
  cache.set(key, compiled);
  if (cache.size > maxCacheEntries) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  return compiled;
}

/** compileTemplate without the cache, with explicit limits (for tests of the limits). */
export function compileUncached(
  name: string,
  rawText: string,
  missingKey: NonNullable<TemplateOptions['missingKey']>,
  left: string,
  right: string,
  limits: ExecLimits,
): RawCompiledTemplate {
  if (!Object.hasOwn(missingKeys, missingKey)) throw new TypeError(`unknown missingKey ${JSON.stringify(missingKey)}`);
  // Go reads text as UTF-8; a lone surrogate could not have come from there.
  const text = toWellFormedText(rawText);
  const set: TemplateSet = {
    name,
    text,
    trees: parseTemplates(name, text, left, right),
    missingKey: missingKeys[missingKey],
    limits,
  };
  const run = executor(set);
  return {
    name,
    execute: (data) => toWellFormedText(run(data)),
    executeRaw: run,
    trees: set.trees,
  };
}
