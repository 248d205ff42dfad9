/** The app fixtures' answer key, fixtures/apps/expected.json: every planted secret and where it sits. */
import { existsSync, readFileSync } from 'node:fs';

export const APPS = new URL('../../fixtures/apps/', import.meta.url);
export const ANSWER_KEY = new URL('expected.json', APPS);
/** Whether the answer key is there; unit tests of the fixtures skip without it. */
export const HAS_ANSWER_KEY = existsSync(ANSWER_KEY);

/** One answer-key entry; the key's `fields` say what each field means. */
export interface PlantedSecret {
  /** File under fixtures/apps/. */
  readonly artifact: string;
  /** Container members from the artifact down to the leaf that holds the value; empty for a part on its own. */
  readonly chain: readonly string[];
  readonly format: string;
  readonly where: string;
  readonly secret: string;
  readonly rule: string;
  readonly exposure: 'confidential' | 'publishable';
  readonly standalone: boolean;
  /** A native binary's CPU architecture; for a fat Mach-O, the slice that holds the value (`arm64`, `x86_64`). */
  readonly arch?: string;
  /** A manifest entry that points at this resource. */
  readonly referencedBy?: string;
}

/** Every planted secret; throws when the answer key is missing. */
export function plantedSecrets(): PlantedSecret[] {
  return (JSON.parse(readFileSync(ANSWER_KEY, 'utf8')) as { secrets: PlantedSecret[] }).secrets;
}
