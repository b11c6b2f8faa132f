/** A parse or execution error of a template; the message reads as Go's text/template words it. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}
