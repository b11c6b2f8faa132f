import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { compileTemplate } from '../template/index.ts';
import { TemplateError } from '../template/template-error.ts';
import type { Command, CommandIo } from './command.ts';

const usage = `template render (--template TEXT | --template-file PATH) [--data JSON | --data-file PATH] [--missingkey default|zero|error]

Renders a Go text/template template as the registrar does, with JSON data: JSON objects are maps
(map[string]interface {}), numbers are float64, as when Go renders JSON decoded into an interface{}.
Prints the output; on a parse or execution error prints Go's message to stderr and exits 1.`;

/** JSON as Go's encoding/json decodes it into an interface{}: invalid surrogates become U+FFFD. */
function parseJsonData(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => (typeof value === 'string' ? value.toWellFormed() : value));
}

async function render(args: readonly string[], io: CommandIo): Promise<number> {
  let values: {
    template?: string | undefined;
    'template-file'?: string | undefined;
    data?: string | undefined;
    'data-file'?: string | undefined;
    missingkey?: string | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        template: { type: 'string' },
        'template-file': { type: 'string' },
        data: { type: 'string' },
        'data-file': { type: 'string' },
        missingkey: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`template render: ${(error as Error).message}\n\nUsage: spire-eks-workload-registrar ${usage}\n`);
    return 1;
  }
  if ((values.template === undefined) === (values['template-file'] === undefined)) {
    io.stderr('template render: give the template with exactly one of --template and --template-file\n');
    return 1;
  }
  if (values.data !== undefined && values['data-file'] !== undefined) {
    io.stderr('template render: give the data with at most one of --data and --data-file\n');
    return 1;
  }
  // Go accepts "invalid" as another name for the default.
  const missingKey = values.missingkey === 'invalid' ? 'default' : (values.missingkey ?? 'default');
  if (missingKey !== 'default' && missingKey !== 'zero' && missingKey !== 'error') {
    io.stderr(`template render: --missingkey must be default, zero or error, not ${JSON.stringify(values.missingkey)}\n`);
    return 1;
  }

  let text: string;
  let dataText: string | undefined;
  try {
    text = values.template ?? (await readFile(values['template-file'] as string, 'utf8'));
    dataText = values.data ?? (values['data-file'] !== undefined ? await readFile(values['data-file'], 'utf8') : undefined);
  } catch (error) {
    io.stderr(`template render: ${(error as Error).message}\n`);
    return 1;
  }
  let data: unknown = null;
  if (dataText !== undefined) {
    try {
      data = parseJsonData(dataText);
    } catch (error) {
      io.stderr(`template render: the data is not JSON: ${(error as Error).message}\n`);
      return 1;
    }
  }

  try {
    io.stdout(compileTemplate('template', text, { missingKey }).execute(data));
    return 0;
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    io.stderr(`${error.message}\n`);
    return 1;
  }
}

export const templateCommand: Command = {
  name: 'template',
  summary: 'Render a Go template with JSON data, as the registrar renders SPIFFE IDs, DNS names and selectors.',
  usage,
  run: async (args, io) => {
    const [verb, ...rest] = args;
    if (verb === 'render') return render(rest, io);
    io.stderr(`template: unknown or missing verb ${verb === undefined ? '' : JSON.stringify(verb) + ' '}(want render)\n\nUsage: spire-eks-workload-registrar ${usage}\n`);
    return 1;
  },
};
