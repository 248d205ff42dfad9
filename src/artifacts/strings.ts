/**
 * What format decoders hand to detection: the strings a binary format stores (DEX string pool,
 * resource values, plist values, Mach-O C strings...), each with the place it sits in its file.
 * Decoders never run rules themselves; they turn bytes into candidate strings with provenance.
 */

import type { Locator } from '../types.js';

export type { Locator };

export interface ExtractedString {
  readonly value: string;
  readonly locator: Locator;
  /**
   * A name that says what the value is (resource name, meta-data name, plist key). Detection sees
   * `key = "value"`, so rules that need a keyword next to the value (`api_key = ...`) still match.
   */
  readonly key?: string;
  /**
   * For values a file declares side by side (a class's static fields) but stores apart (the DEX
   * string pool is sorted): their declaration order. Detection reads them in that order, after the
   * other strings, so a name and value that belong together (an access key id, then its secret)
   * stay next to each other.
   */
  readonly declared?: number;
  /**
   * Strings that belong together and to nothing around them: one class's constants, one plist
   * dict, one object literal. A unit is read on its own, so a secret pairs with the client id of
   * its own class or dict, and no rule's context window reaches into a neighbour.
   */
  readonly unit?: string;
}

export interface Extraction {
  readonly strings: readonly ExtractedString[];
  /** One-line remarks about this file that do not stop the scan: `FairPlay-encrypted (cryptid 1)...`. */
  readonly notices: readonly string[];
}

/** The bytes are not the format they claimed to be, or are damaged: a one-line reason. */
export class FormatError extends Error {
  override readonly name = 'FormatError';
}
