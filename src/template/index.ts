// A faithful Go text/template engine: the syntax, semantics, builtins, fmt verbs and error messages of
// Go's text/template, over data in the value model of values.ts.
export { compileTemplate } from './compile.ts';
export type { CompiledTemplate, TemplateOptions } from './compile.ts';
export { TemplateError } from './template-error.ts';
export { GoStructType, goStringMap, goStringMapView, goStruct } from './values.ts';
