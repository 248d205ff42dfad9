/** The HTML report's summary charts: counts of findings as horizontal bars in inline SVG. */
import type { BinaryFormat, Finding, Occurrence } from '../types.js';

export interface Bar {
  readonly label: string;
  readonly value: number;
}

const FORMAT_NAMES: Readonly<Record<BinaryFormat, string>> = {
  dex: 'DEX',
  class: 'class file',
  hermes: 'Hermes',
  arsc: 'resources',
  axml: 'binary XML',
  protobuf: 'protobuf',
  macho: 'Mach-O',
  elf: 'ELF',
  plist: 'plist',
  raw: 'raw strings',
};

/** Where an occurrence was found, as the summary counts it: source, history, bundle, source map, or `app → DEX`. */
export function whereFound(occurrence: Occurrence): string {
  const { provenance, shipped } = occurrence;
  switch (provenance.kind) {
    case 'git':
      return 'history';
    case 'sourcemap':
      return 'source map';
    case 'entry': {
      const leaf = provenance.chain.at(-1) ?? provenance.artifact;
      const format = provenance.format === undefined ? 'text' : provenance.format === 'axml' && /(^|\/)AndroidManifest\.xml$/.test(leaf) ? 'manifest' : FORMAT_NAMES[provenance.format];
      const container = shipped?.via === 'app' ? 'app' : provenance.chain.length > 0 ? 'archive' : 'binary';
      return `${container} → ${format}`;
    }
    case 'file':
      return shipped?.via === 'client-bundle' ? 'bundle' : shipped?.via === 'public-env' ? 'public env variable' : 'source';
  }
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Counts by label, largest first, then by name; each finding counts once per label it has. */
export function countBars(findings: readonly Finding[], labelsOf: (finding: Finding) => Iterable<string>): Bar[] {
  const counts = new Map<string, number>();
  for (const finding of findings) for (const label of new Set(labelsOf(finding))) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts.entries()].map(([label, value]) => ({ label, value })).sort((a, b) => b.value - a.value || byCodeUnits(a.label, b.label));
}

/** Bars past this many are summed into one `others` bar: a chart of 60 providers reads as none. */
const MAX_BARS = 12;
const LABEL_CHARACTERS = 26;
const LABEL_WIDTH = 190;
const BAR_SPACE = 200;
const ROW_HEIGHT = 22;

function shortened(label: string): string {
  return label.length <= LABEL_CHARACTERS ? label : `${label.slice(0, LABEL_CHARACTERS - 1)}…`;
}

/**
 * A bar chart as inline SVG; `escape` makes labels safe in markup. The full label and count are in
 * each row's title and the chart's description, for screen readers and for cut labels.
 */
export function barChart(id: string, title: string, bars: readonly Bar[], escape: (text: string) => string): string {
  const shown = bars.length <= MAX_BARS ? bars : [...bars.slice(0, MAX_BARS - 1), { label: `${bars.length - MAX_BARS + 1} others`, value: bars.slice(MAX_BARS - 1).reduce((sum, bar) => sum + bar.value, 0) }];
  const largest = Math.max(1, ...shown.map((bar) => bar.value));
  const width = LABEL_WIDTH + BAR_SPACE + 50;
  const height = Math.max(1, shown.length) * ROW_HEIGHT + 4;
  const description = shown.map((bar) => `${bar.label}: ${bar.value}`).join(', ');
  const rows = shown.map((bar, row) => {
    const y = row * ROW_HEIGHT + 2;
    const length = Math.max(2, Math.round((bar.value / largest) * BAR_SPACE));
    return (
      `<g><title>${escape(`${bar.label}: ${bar.value}`)}</title>` +
      `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escape(shortened(bar.label))}</text>` +
      `<rect class="bar" x="${LABEL_WIDTH}" y="${y + 3}" width="${length}" height="16" rx="2"></rect>` +
      `<text class="value" x="${LABEL_WIDTH + length + 6}" y="${y + 15}">${bar.value}</text></g>`
    );
  });
  return (
    `<figure><figcaption id="${id}-title">${escape(title)}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-title ${id}-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<desc id="${id}-desc">${escape(description === '' ? 'none' : description)}</desc>${rows.join('')}</svg></figure>`
  );
}
