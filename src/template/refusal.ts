/**
 * Something Go's text/template does that the registrar deliberately does not (docs/templates.md lists
 * each): call a method of a Kubernetes type, or print what Go would print as a memory address. The
 * executor reports it as a TemplateError with the position of the action, as it reports Go's errors.
 */
export class Refusal extends Error {
  override readonly name = 'Refusal';
}
