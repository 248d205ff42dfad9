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

/**
 * Bundler output read by its content, wherever it lies (`pr-81/assets/index-3f2a.js`): runtime
 * markers of webpack, Vite/Rollup, Parcel, Metro, SystemJS and esbuild, or minified text (long
 * lines with little whitespace).
 */
const BUNDLER_RUNTIME = /__webpack_require__|webpackChunk|__vitePreload|__vite__mapDeps|parcelRequire|\b__d\(function\(g,r,i,a,m,e,d\)|System\.register\(|__esModule",\{value:!0\}|Object\.defineProperty\(exports,"__esModule"/;
const MINIFIED_LINE = 1000;
/** Below this share of spaces, tabs and newlines a long line is minified rather than prose or data. */
const MINIFIED_WHITESPACE = 0.08;

/** Whether script text is a built bundle: bundler runtime markers, or a long line with little whitespace. */
export function looksBuilt(text: string): boolean {
  if (BUNDLER_RUNTIME.test(text.slice(0, 200_000))) return true;
  let start = 0;
  for (let end = text.indexOf('\n'); start < text.length; end = text.indexOf('\n', start)) {
    const stop = end === -1 ? text.length : end;
    if (stop - start >= MINIFIED_LINE) {
      const line = text.slice(start, Math.min(stop, start + 20_000));
      const spaces = line.length - line.replace(/\s/g, '').length;
      if (spaces / line.length < MINIFIED_WHITESPACE) return true;
    }
    if (end === -1) break;
    start = end + 1;
  }
  return false;
}

/** Keys of a Firebase web config object other than `apiKey` (firebase.google.com/docs/web/setup). */
const FIREBASE_CONFIG_KEY = /\b(?:authDomain|projectId|storageBucket|messagingSenderId|appId|measurementId|databaseURL)["']?\s*:\s*["'][^"'\n]{1,200}["']/g;
/** How far around the key the config object's other keys may sit. */
const CONFIG_WINDOW = 600;
/** Two other keys make it a config object, or one that names the project's firebaseapp.com domain. */
const CONFIG_KEYS_NEEDED = 2;

/**
 * Whether the text at `offset` sits in a Firebase web config object: `apiKey` assigned there, and
 * other config keys close by. Firebase documents this object as client code every web app ships.
 */
export function inFirebaseWebConfig(text: string, offset: number): boolean {
  const before = text.slice(Math.max(0, offset - 40), offset);
  if (!/\bapiKey["']?\s*:\s*["']$/.test(before)) return false;
  const window = text.slice(Math.max(0, offset - CONFIG_WINDOW), offset + CONFIG_WINDOW);
  const keys = window.match(FIREBASE_CONFIG_KEY) ?? [];
  return keys.length >= CONFIG_KEYS_NEEDED || keys.some((key) => /\.firebaseapp\.com["']$/.test(key));
}

/** Folders build tools write client code to. */
const BUILD_OUTPUT = /(?:^|\/)(?:dist|build|out|public|www|static|\.next\/static|\.output\/public|_next)\//;
const CLIENT_FILE = /\.(?:[cm]?js|css|html?)$/i;
const SCRIPT_FILE = /\.[cm]?js$/i;

/** Scripts, whose content alone can say they were built. */
export function isScriptPath(path: string): boolean {
  return SCRIPT_FILE.test(path);
}

/** Whether text from here is served to clients: a source map, or a script or page that is built (`built`: it has a map or bundle content) or lies in a build folder. */
export function isClientBundle(provenance: Provenance, built: boolean): boolean {
  if (provenance.kind === 'sourcemap') return true;
  return CLIENT_FILE.test(provenance.path) && (built || BUILD_OUTPUT.test(provenance.path));
}

/** `originalVariable`: a public variable the source map's original line reads, when the bundle inlined it. */
export function shippedTo(provenance: Provenance, built: boolean, before: string, originalVariable?: string): ShippedTo | undefined {
  const variable = publicEnvVariable(before) ?? originalVariable;
  if (isClientBundle(provenance, built)) return { via: 'client-bundle', ...(variable === undefined ? {} : { variable }) };
  return variable === undefined ? undefined : { via: 'public-env', variable };
}
