/** How reports name a place inside an artifact: `dex string #812`, `string/google_api_key`. */
import type { Locator, Occurrence } from '../types.js';

export function describeLocator(locator: Locator): string {
  switch (locator.kind) {
    case 'string-table':
      return `${locator.table} string #${locator.index}`;
    case 'resource':
      return locator.name;
    case 'xml-attribute':
      return locator.name === undefined ? `<${locator.element}> ${locator.attribute}` : `<${locator.element} ${locator.name}> ${locator.attribute}`;
    case 'plist-key':
      return `key ${locator.keyPath}`;
    case 'section':
      return `${locator.section}${locator.slice === undefined ? '' : ` (${locator.slice})`} at 0x${locator.offset.toString(16)}`;
    case 'offset':
      return `${locator.encoding} string at 0x${locator.offset.toString(16)}`;
  }
}

/** `12:5` for text; the locator for a string decoded from a binary format. */
export function describePosition(occurrence: Occurrence): string {
  const { provenance, region } = occurrence;
  if (provenance.kind === 'entry' && provenance.locator !== undefined) return describeLocator(provenance.locator);
  return `${region.startLine}:${region.startColumn}`;
}
