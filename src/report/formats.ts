/**
 * The report formats `--format` takes, each writer loaded only when asked for: a pre-commit run
 * printing text never loads the SARIF and HTML writers (the HTML one carries its page's assets).
 */
import type { Reporter } from './context.js';

export const FORMATS = ['text', 'json', 'sarif', 'html'] as const;

export type Format = (typeof FORMATS)[number];

export async function loadReporter(format: Format): Promise<Reporter> {
  switch (format) {
    case 'text':
      return (await import('./text.js')).textReporter;
    case 'json':
      return (await import('./json.js')).jsonReporter;
    case 'sarif':
      return (await import('./sarif.js')).sarifReporter;
    case 'html':
      return (await import('./html.js')).htmlReporter;
  }
}
