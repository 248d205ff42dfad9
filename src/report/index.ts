/** The reporter registry: `--format` picks one by name. */
import type { Reporter } from './context.js';
import { htmlReporter } from './html.js';
import { jsonReporter } from './json.js';
import { sarifReporter } from './sarif.js';
import { textReporter } from './text.js';

export const reporters = { text: textReporter, json: jsonReporter, sarif: sarifReporter, html: htmlReporter } as const satisfies Record<string, Reporter>;

export type Format = keyof typeof reporters;

export const FORMATS = Object.keys(reporters) as readonly Format[];
