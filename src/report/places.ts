/** How reports name a place inside an artifact (`dex string #812`, `string/google_api_key`) and who a shipped secret reaches. */
import type { Locator, Occurrence, ShippedTo } from '../types.js';

export function describeLocator(locator: Locator): string {
  switch (locator.kind) {
    case 'string-table':
      return `${locator.table} string #${locator.index}${locator.via === undefined ? '' : ` (${locator.via})`}`;
    case 'object-literal':
      return `${locator.table} object literal #${locator.index}`;
    case 'use':
      return `${locator.table} string #${locator.index} → ${locator.sink} in ${locator.method}${locator.caller === undefined ? '' : ` (called from ${locator.caller})`}`;
    case 'resource':
      return locator.name;
    case 'xml-attribute':
      return locator.name === undefined ? `<${locator.element}> ${locator.attribute}` : `<${locator.element} ${locator.name}> ${locator.attribute}`;
    case 'plist-key':
      return `key ${locator.keyPath}`;
    case 'section':
      return `${locator.section}${locator.slice === undefined ? '' : ` (${locator.slice})`} at 0x${locator.offset.toString(16)}${locator.via === undefined ? '' : ` (${locator.via})`}`;
    case 'offset':
      return `${locator.encoding} string at 0x${locator.offset.toString(16)}`;
  }
}

/** `12:5` for text, `12:1-38:36` for a finding over several lines (a key block); the locator for a string decoded from a binary format. */
export function describePosition(occurrence: Occurrence): string {
  const { provenance, region } = occurrence;
  if (provenance.kind === 'entry' && provenance.locator !== undefined) return describeLocator(provenance.locator);
  const start = `${region.startLine}:${region.startColumn}`;
  return region.endLine > region.startLine ? `${start}-${region.endLine}:${region.endColumn}` : start;
}

/** Why a secret reaches every user; `data` makes the app and variable names safe for the report. */
export function describeShipping(shipped: ShippedTo, data: (text: string) => string): string {
  const variable = shipped.variable === undefined ? '' : ` through ${data(shipped.variable)}`;
  switch (shipped.via) {
    case 'client-bundle':
      return `exposed to every user: shipped in a client bundle${variable}`;
    case 'public-env':
      return `exposed to every user: ${data(shipped.variable ?? '')} is a public variable the framework inlines into client code`;
    case 'app':
      return `exposed to everyone who downloads ${data(shipped.app ?? '')}: app packages are public and unpack in seconds`;
    case 'client-config':
      return 'exposed to every user: part of a Firebase web config, which is made to ship in client code';
  }
}
