/**
 * Secrets shipped to clients: environment variables with a public prefix are inlined into browser
 * and app bundles by their frameworks (Next.js NEXT_PUBLIC_, Vite VITE_, Create React App
 * REACT_APP_, Expo EXPO_PUBLIC_, Gatsby GATSBY_, Nuxt NUXT_PUBLIC_, SvelteKit/Astro PUBLIC_), and
 * built scripts and source maps are served to every visitor.
 */
import type { Provenance, ShippedTo } from '../types.js';

const PUBLIC_ENV = /\b((?:NEXT_PUBLIC|VITE|REACT_APP|EXPO_PUBLIC|GATSBY|NUXT_PUBLIC|PUBLIC)_[A-Z0-9_]{1,64})\b/g;

/** The last public env variable named in `text` (`NEXT_PUBLIC_X=`, `process.env.NEXT_PUBLIC_X`, `import.meta.env.VITE_X`). */
export function publicEnvVariable(text: string): string | undefined {
  return [...text.matchAll(PUBLIC_ENV)].at(-1)?.[1];
}

/** Folders build tools write client code to. */
const BUILD_OUTPUT = /(?:^|\/)(?:dist|build|out|public|www|static|\.next\/static|\.output\/public|_next)\//;
const CLIENT_FILE = /\.(?:[cm]?js|css|html?)$/i;

/** Whether text from here is served to clients: a built script or page, or a source map. */
export function isClientBundle(provenance: Provenance, hasSourceMap: boolean): boolean {
  if (provenance.kind === 'sourcemap') return true;
  return CLIENT_FILE.test(provenance.path) && (hasSourceMap || BUILD_OUTPUT.test(provenance.path));
}

/** `originalVariable`: a public variable the source map's original line reads, when the bundle inlined it. */
export function shippedTo(provenance: Provenance, hasSourceMap: boolean, before: string, originalVariable?: string): ShippedTo | undefined {
  const variable = publicEnvVariable(before) ?? originalVariable;
  if (isClientBundle(provenance, hasSourceMap)) return { via: 'client-bundle', ...(variable === undefined ? {} : { variable }) };
  return variable === undefined ? undefined : { via: 'public-env', variable };
}
