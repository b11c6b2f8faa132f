import type { GoCase } from '../go-template-tool.ts';
import { builtinCases } from './builtins.ts';
import { controlCases } from './control.ts';
import { cornerCases } from './corners.ts';
import { errorCases } from './errors.ts';
import { pipelineCases } from './pipelines.ts';
import { printingCases } from './printing.ts';
import { syntaxCases } from './syntax.ts';

/** Every differential case, by feature group. */
export const differentialCases: ReadonlyMap<string, readonly GoCase[]> = new Map([
  ['syntax', syntaxCases],
  ['pipelines', pipelineCases],
  ['control', controlCases],
  ['builtins', builtinCases],
  ['printing', printingCases],
  ['errors', errorCases],
  ['corners', cornerCases],
]);
