import type { EntryOptions } from '../api/entry-options.ts';
import type { WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { RegistrationEntry, Selector } from '../spire/entry.ts';
import { compileTemplate, TemplateError, type CompiledTemplate } from '../template/index.ts';
import { dnsNameProblem } from './dns-name.ts';
import { entryKey, keyDigest, sortSelectors } from './entry-id.ts';
import { flatString } from './flat-string.ts';
import { entrySpiffeIdProblem } from './entry-spiffe-id.ts';
import { parseWorkloadSelector } from './workload-selector.ts';

/** One template of an identity, with the field that holds it, for error messages. */
interface FieldTemplate {
  readonly field: string;
  readonly template: CompiledTemplate;
}

/** An identity's templates, compiled once and used for every pod. */
export interface IdentityTemplates {
  readonly spiffeId: FieldTemplate;
  readonly parentId: FieldTemplate;
  readonly selectors: readonly FieldTemplate[];
  readonly dnsNames: readonly FieldTemplate[];
}

/**
 * Compiles the templates of `identity`; `defaultParentIDTemplate` (the config's) applies when the
 * identity sets none. Throws TemplateError for a template that does not parse, which validation at the
 * edge already refuses.
 */
export function compileIdentityTemplates(identity: WorkloadIdentity, defaultParentIDTemplate: string): IdentityTemplates {
  const compile = (field: string, text: string): FieldTemplate => ({ field, template: compileTemplate(field, text) });
  const { spec } = identity;
  return {
    spiffeId: compile('spec.spiffeIDTemplate', spec.spiffeIDTemplate),
    parentId:
      spec.parentIDTemplate === undefined
        ? compile('config parentIDTemplate', defaultParentIDTemplate)
        : compile('spec.parentIDTemplate', spec.parentIDTemplate),
    selectors: spec.workloadSelectorTemplates.map((text, index) => compile(`spec.workloadSelectorTemplates[${index}]`, text)),
    dnsNames: spec.dnsNameTemplates.map((text, index) => compile(`spec.dnsNameTemplates[${index}]`, text)),
  };
}

/**
 * The entry one identity wants for one pod, before it gets an ID. Selectors are sorted; DNS names keep
 * their rendered order (the first is the X509-SVID's common name), then the Services' names, no duplicates.
 */
export interface RenderedEntry extends Omit<RegistrationEntry, 'id'> {
  /**
   * keyDigest(entryKey(spiffeId, parentId, selectors)): the key itself is not kept, since every entry of
   * a large fleet holds one (about 200 bytes each) and only its digest is ever read.
   */
  readonly digest: string;
}

/**
 * The entry made of these values and a source's options (TTLs, federation, flags, hint), with the digest
 * of its key. `selectors` must be sorted (sortSelectors). The one way every source makes its entries.
 */
export function renderedEntry(spiffeId: string, parentId: string, selectors: readonly Selector[], dnsNames: readonly string[], options: EntryOptions): RenderedEntry {
  return {
    digest: keyDigest(entryKey(spiffeId, parentId, selectors)),
    spiffeId,
    parentId,
    selectors,
    x509SvidTtl: options.ttlSeconds,
    jwtSvidTtl: options.jwtTtlSeconds,
    dnsNames,
    federatesWith: options.federatesWith,
    admin: options.admin,
    downstream: options.downstream,
    hint: options.hint,
  };
}

/** Why an identity could not render an entry for a pod: the field whose template failed, and the problem. */
export interface RenderFailure {
  readonly field: string;
  readonly problem: string;
}

export type RenderOutcome = { readonly ok: true; readonly entry: RenderedEntry } | { readonly ok: false; readonly failure: RenderFailure };

const noDnsNames: readonly string[] = [];

// Go's text/template prints a missing map key as "<no value>"; in an ID or selector it is never meant.
const noValue = '<no value>';

class RenderError extends Error {
  readonly field: string;
  constructor(field: string, problem: string) {
    super(problem);
    this.field = field;
  }
}

// Any exception of a template is this pod's render failure: one identity's template must never stop the
// reconciliation of other pods, identities or clusters.
function execute(field: FieldTemplate, data: unknown): string {
  try {
    return flatString(field.template.execute(data));
  } catch (error) {
    throw new RenderError(field.field, error instanceof TemplateError ? error.message : `template failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function withoutNoValue(field: FieldTemplate, rendered: string): string {
  if (rendered.includes(noValue)) {
    throw new RenderError(field.field, `rendered ${JSON.stringify(rendered)} contains "${noValue}": the template refers to a missing map key`);
  }
  return rendered;
}

function renderSpiffeId(field: FieldTemplate, data: unknown, trustDomain: string): string {
  const rendered = withoutNoValue(field, execute(field, data));
  const problem = entrySpiffeIdProblem(rendered, trustDomain);
  if (problem !== undefined) throw new RenderError(field.field, `rendered ${JSON.stringify(rendered)}: ${problem}`);
  return rendered;
}

/** What rendering needs besides the identity and the template data. */
export interface RenderInputs {
  readonly trustDomain: string;
  /** `k8s:pod-uid:<uid>` of the pod (podUidSelector), shared by the entries of the pod. */
  readonly podUidSelector: Selector;
  /** The names of the Services that point at the pod, when the identity auto-populates DNS names. */
  serviceDnsNames(): readonly string[];
}

/**
 * Renders the entry `identity` wants for the pod that `data` describes, and validates every rendered
 * value: SPIFFE and parent IDs valid and in the trust domain, selectors with both sides non-empty, DNS
 * names valid. A template that renders an empty DNS name contributes none.
 */
export function renderEntry(identity: WorkloadIdentity, templates: IdentityTemplates, data: unknown, inputs: RenderInputs): RenderOutcome {
  try {
    const spiffeId = renderSpiffeId(templates.spiffeId, data, inputs.trustDomain);
    const parentId = renderSpiffeId(templates.parentId, data, inputs.trustDomain);
    const selectors: Selector[] = [inputs.podUidSelector];
    for (const field of templates.selectors) {
      const parsed = parseWorkloadSelector(withoutNoValue(field, execute(field, data)));
      if ('problem' in parsed) throw new RenderError(field.field, parsed.problem);
      selectors.push(parsed.selector);
    }
    const dnsNames: string[] = [];
    for (const field of templates.dnsNames) {
      const rendered = withoutNoValue(field, execute(field, data));
      if (rendered === '' || dnsNames.includes(rendered)) continue;
      const problem = dnsNameProblem(rendered);
      if (problem !== undefined) throw new RenderError(field.field, problem);
      dnsNames.push(rendered);
    }
    let allDnsNames: readonly string[];
    if (identity.spec.autoPopulateDNSNames && dnsNames.length === 0) {
      // Without templated names, the entries of a pod share the one list of its Services' names.
      allDnsNames = inputs.serviceDnsNames();
    } else {
      if (identity.spec.autoPopulateDNSNames) for (const name of inputs.serviceDnsNames()) if (!dnsNames.includes(name)) dnsNames.push(name);
      // Entries keep their names: one shared empty list, or an exact copy (a list grown by push has room
      // for 16 more names, in each of hundreds of thousands of entries).
      allDnsNames = dnsNames.length === 0 ? noDnsNames : dnsNames.slice();
    }
    return { ok: true, entry: renderedEntry(spiffeId, parentId, sortSelectors(selectors), allDnsNames, identity.spec) };
  } catch (error) {
    if (error instanceof RenderError) return { ok: false, failure: { field: error.field, problem: error.message } };
    throw error;
  }
}
