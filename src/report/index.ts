/** The reporter registry: `--format` picks one by name (the CLI loads only that one, through formats.ts). */
import type { Reporter } from './context.js';
import { htmlReporter } from './html.js';
import { jsonReporter } from './json.js';
import { sarifReporter } from './sarif.js';
import { textReporter } from './text.js';
import type { Format } from './formats.js';

export { FORMATS, type Format } from './formats.js';

export const reporters = { text: textReporter, json: jsonReporter, sarif: sarifReporter, html: htmlReporter } as const satisfies Record<Format, Reporter>;
