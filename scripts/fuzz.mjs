#!/usr/bin/env node
// npm run fuzz -- --seconds N [--seed S] [--inputs N] [--targets app,web,diff,rules]
//   [--timeout MS] [--memory MB] [--out DIR] [--replay TARGET:INDEX]
//
// A deterministic mutation fuzzer over keyleak's readers, through the built library (dist/):
//   app    the committed app fixtures (fixtures/apps/out/**) with bytes flipped, truncated,
//          spliced, duplicated, length fields overwritten, members renamed or nested deeper;
//   web    bundles and source maps (fixtures/web/dist/**) with the map's JSON damaged and the
//          sourceMappingURL pointed at hostile targets; scanned as a folder;
//   diff   unified diff text fed line by line to the git patch parser and the detector;
//   rules  rule files (rules/*.toml, fixtures/rules-invalid/, fixtures/gitleaks/) with damaged
//          TOML and hostile regexes, parsed, compiled and run on a haystack.
// Input i of a target is a pure function of (seed, target, i), so `--replay TARGET:INDEX` rebuilds
// it and runs it in this process with the full stack. Inputs run in one long-lived child process
// with a watchdog (time and memory); a crash, hang or memory blow-up respawns it. Each failing
// input is written under --out (default /tmp/keyleak-fuzz-<seed>/) with its reproduction line.
// Exit code: 0 when no input crashed, hung, blew up memory or read outside its folder; 1 otherwise.
import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = (module) => pathToFileURL(path.join(root, 'dist', module)).href;

export const DEFAULT_TARGETS = ['app', 'web', 'diff', 'rules'];
/** Outcomes that make the run fail. */
export const FAILURES = ['crash', 'hang', 'memory', 'escape'];

// ─── deterministic randomness ────────────────────────────────────────────────────────────────

function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** mulberry32: small, fast, and the same sequence on every machine. */
export function prng(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (items) => items[int(items.length)], chance: (p) => next() < p };
}

const inputRandom = (seed, target, index) => prng(hash32(`${seed}:${target}:${index}`));

// ─── fixtures ────────────────────────────────────────────────────────────────────────────────

function filesUnder(folder) {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true })
    .map((name) => path.join(folder, String(name)))
    .filter((file) => statSync(file).isFile())
    .sort();
}

let fixtureCache;
function fixtures() {
  if (fixtureCache) return fixtureCache;
  const read = (file) => ({ name: path.relative(root, file), bytes: readFileSync(file) });
  const apps = filesUnder(path.join(root, 'fixtures/apps/out')).map(read);
  const webDirs = readdirSync(path.join(root, 'fixtures/web/dist')).sort().map((dir) => filesUnder(path.join(root, 'fixtures/web/dist', dir)).map(read));
  const ruleFiles = [
    ...filesUnder(path.join(root, 'rules')).map((file) => ({ ...read(file), dialect: 'keyleak' })),
    ...filesUnder(path.join(root, 'fixtures/rules-invalid')).map((file) => ({ ...read(file), dialect: 'keyleak' })),
    ...filesUnder(path.join(root, 'fixtures/gitleaks')).map((file) => ({ ...read(file), dialect: 'gitleaks' })),
  ].filter((file) => file.name.endsWith('.toml'));
  const planted = JSON.parse(readFileSync(path.join(root, 'fixtures/apps/expected.json'), 'utf8')).secrets;
  const secrets = [...new Set(planted.map((entry) => entry.secret))].filter((secret) => !secret.includes('\n')).sort();
  // A secret the web fixtures never hold: finding it means a scan read outside its folder.
  const canary = planted.find((entry) => entry.rule === 'anthropic-api-key').secret;
  fixtureCache = { apps, webDirs, ruleFiles, secrets, canary };
  return fixtureCache;
}

// ─── byte mutations ──────────────────────────────────────────────────────────────────────────

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x22, 0x5c];
const INTERESTING_INTS = [0, 1, 0x7f, 0x80, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

function zipHeaderOffsets(bytes) {
  const offsets = [];
  for (let i = 0; i + 4 <= bytes.length; i++) {
    if (bytes[i] !== 0x50 || bytes[i + 1] !== 0x4b) continue;
    const tag = bytes[i + 2] * 256 + bytes[i + 3];
    if (tag === 0x0304 || tag === 0x0102 || tag === 0x0506 || tag === 0x0708 || tag === 0x0606) offsets.push(i);
  }
  return offsets;
}

/** An offset likely to hold a length or offset field: inside a zip header when there is one. */
function fieldOffset(random, bytes) {
  const headers = zipHeaderOffsets(bytes);
  if (headers.length > 0 && random.chance(0.6)) return random.pick(headers) + 4 + 2 * random.int(20);
  return random.chance(0.5) ? random.int(Math.min(bytes.length, 256)) : random.int(bytes.length);
}

function overwriteInt(random, bytes) {
  const width = random.chance(0.5) ? 2 : 4;
  const at = fieldOffset(random, bytes);
  if (at + width > bytes.length) return bytes;
  const out = Buffer.from(bytes);
  const current = width === 2 ? out.readUInt16LE(at) : out.readUInt32LE(at);
  const candidates = [...INTERESTING_INTS, current + 1, current - 1, current * 2, current + 0x10000];
  const max = width === 2 ? 0xffff : 0xffffffff;
  const value = ((random.pick(candidates) >>> 0) & max) >>> 0;
  if (width === 2) out.writeUInt16LE(value, at);
  else out.writeUInt32LE(value, at);
  return out;
}

const BYTE_MUTATIONS = {
  flip(random, bytes) {
    const out = Buffer.from(bytes);
    for (let n = 1 + random.int(8); n > 0 && out.length > 0; n--) out[random.int(out.length)] ^= 1 << random.int(8);
    return out;
  },
  interesting(random, bytes) {
    const out = Buffer.from(bytes);
    for (let n = 1 + random.int(4); n > 0 && out.length > 0; n--) out[random.int(out.length)] = random.pick(INTERESTING_BYTES);
    return out;
  },
  truncate: (random, bytes) => bytes.subarray(0, random.int(bytes.length + 1)),
  lengthField: overwriteInt,
  duplicate(random, bytes) {
    const start = random.int(bytes.length + 1);
    const end = Math.min(bytes.length, start + 1 + random.int(4096));
    const at = random.int(bytes.length + 1);
    const copies = random.chance(0.1) ? 1 + random.int(64) : 1;
    return Buffer.concat([bytes.subarray(0, at), ...Array(copies).fill(bytes.subarray(start, end)), bytes.subarray(at)]);
  },
  splice(random, bytes) {
    const donor = random.pick(fixtures().apps).bytes;
    const from = random.int(donor.length);
    const piece = donor.subarray(from, from + 1 + random.int(2048));
    const at = random.int(bytes.length + 1);
    const replace = random.chance(0.5) ? piece.length : 0;
    return Buffer.concat([bytes.subarray(0, at), piece, bytes.subarray(Math.min(bytes.length, at + replace))]);
  },
};

function mutateBytes(random, bytes, rounds = 1 + random.int(3)) {
  let out = bytes;
  for (let round = 0; round < rounds; round++) out = random.pick(Object.values(BYTE_MUTATIONS))(random, out);
  return out;
}

// ─── zip re-packing: damage inside a member, hostile member names, deep nesting ─────────────

/** Members of a well-formed zip (the fixtures), with the bytes before its first entry (a CRX header). */
function readZip(bytes) {
  const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) return undefined;
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const firstLocal = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  const base = firstLocal > 0 && bytes.readUInt32LE(firstLocal + 0) === 0x04034b50 && at + firstLocal < end ? firstLocal : 0;
  at += base;
  const members = [];
  for (let n = 0; n < count; n++) {
    if (bytes.readUInt32LE(at) !== 0x02014b50) return undefined;
    const method = bytes.readUInt16LE(at + 10);
    const stored = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extra = bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42) + base;
    const name = bytes.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataAt = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(dataAt, dataAt + stored);
    members.push({ name, content: method === 8 ? inflateRawSync(data) : data });
    at += 46 + nameLength + extra;
  }
  return { prefix: bytes.subarray(0, base), members };
}

function writeZip(members, prefix = Buffer.alloc(0)) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const member of members) {
    const name = Buffer.from(member.name, 'utf8');
    const data = deflateRawSync(member.content);
    const crc = crc32(member.content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(member.content.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(member.content.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([prefix, ...locals, directory, end]);
}

const HOSTILE_MEMBER_NAMES = ['../../../../etc/passwd', '/etc/passwd', 'C:\\Windows\\x.dex', 'a\u0000b.dex', 'x'.repeat(5000), '', '.', '..', 'classes.dex!inner', 'dir/', '\u202egnp.exe', 'résumé/ü.json'];

const ZIP_MUTATIONS = {
  member(random, zip) {
    const members = [...zip.members];
    if (members.length === 0) return zip;
    const at = random.int(members.length);
    members[at] = { ...members[at], content: mutateBytes(random, members[at].content) };
    return { ...zip, members };
  },
  rename(random, zip) {
    const members = [...zip.members];
    if (members.length === 0) return zip;
    const at = random.int(members.length);
    members[at] = { ...members[at], name: random.pick(HOSTILE_MEMBER_NAMES) + (random.chance(0.5) ? path.extname(members[at].name) : '') };
    return { ...zip, members };
  },
  duplicateMember(random, zip) {
    if (zip.members.length === 0) return zip;
    const member = random.pick(zip.members);
    return { ...zip, members: [...zip.members, ...Array(1 + random.int(50)).fill(member)] };
  },
};

function repack(random, bytes) {
  const zip = readZip(bytes);
  if (zip === undefined) return mutateBytes(random, bytes);
  const mutated = random.pick(Object.values(ZIP_MUTATIONS))(random, zip);
  return writeZip(mutated.members, mutated.prefix);
}

/** The artifact inside zips inside zips: past the depth limit half of the time. */
function nest(random, bytes, name) {
  let inner = bytes;
  let innerName = path.basename(name);
  for (let depth = 1 + random.int(12); depth > 0; depth--) {
    inner = writeZip([{ name: innerName, content: inner }]);
    innerName = `level${depth}.zip`;
  }
  return inner;
}

function generateApp(random) {
  const fixture = random.pick(fixtures().apps);
  const name = path.basename(fixture.name);
  const how = random.next();
  const bytes = how < 0.55 ? mutateBytes(random, fixture.bytes) : how < 0.85 ? repack(random, fixture.bytes) : nest(random, mutateBytes(random, fixture.bytes, random.int(2)), name);
  return { kind: 'tree', files: [{ path: how >= 0.85 ? 'nested.zip' : name, bytes }] };
}

// ─── web bundles and source maps ─────────────────────────────────────────────────────────────

const HOSTILE_VALUES = () => [
  null, 0, -1, 1.5, 1e308, -1e308, 2 ** 53, true, '', 'x', {}, [], [null], [1, 2, 3], [[['a']]], { length: 1e9 },
  'A'.repeat(100_000), '\ud800', '\u0000', { __proto__: null, toString: 'x' }, JSON.parse('{"__proto__":{"polluted":1}}'),
];
const HOSTILE_SOURCES = ['../../../../../etc/passwd', '/etc/passwd', '\u0000', 'C:\\x\\y.ts', 'webpack:///../../..', 'x'.repeat(10_000), '%2e%2e/%2e%2e/x', 'file:///etc/shadow', ''];
const HOSTILE_MAPPINGS = ['gggggggggggggggggggggggggggg', '////////////////////////////A', ';'.repeat(100_000), 'AAAAA,'.repeat(20_000), '!@#$', 'A', '+/+/+/+/', 'AAAA;AAgBC,'.repeat(1000) + 'Z'];

function deepNesting(depth) {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** Structural damage to a parsed map; returns the map's new text. */
function mutateMapJson(random, text) {
  let map;
  try {
    map = JSON.parse(text);
  } catch {
    return mutateBytes(random, Buffer.from(text)).toString('latin1');
  }
  const fields = ['version', 'sources', 'sourcesContent', 'mappings', 'names', 'file', 'sourceRoot', 'sections', 'x_google_ignoreList', 'ignoreList'];
  for (let n = 1 + random.int(3); n > 0; n--) {
    const field = random.pick(fields);
    const op = random.int(7);
    if (op === 0) map[field] = random.pick(HOSTILE_VALUES());
    else if (op === 1 && Array.isArray(map.sources)) map.sources = map.sources.map((source) => (random.chance(0.5) ? random.pick([...HOSTILE_SOURCES, ...HOSTILE_VALUES()]) : source));
    else if (op === 2 && Array.isArray(map.sourcesContent)) map.sourcesContent = random.chance(0.5) ? map.sourcesContent.slice(0, random.int(map.sourcesContent.length)) : [...map.sourcesContent, ...map.sourcesContent, random.pick(HOSTILE_VALUES())];
    else if (op === 3) map.mappings = random.pick(HOSTILE_MAPPINGS);
    else if (op === 4) map = { version: 3, sections: [{ offset: { line: random.pick([0, -1, 1e9, 2 ** 31]), column: random.pick([0, -5, 1e12]) }, map: random.chance(0.7) ? map : random.pick(HOSTILE_VALUES()) }] };
    else if (op === 5) map = { version: 3, sections: [{ offset: { line: 0, column: 0 }, map: { version: 3, sections: [{ offset: { line: 0, column: 0 }, map }] } }] };
    else delete map[field];
  }
  let out;
  try {
    out = JSON.stringify(map);
  } catch {
    // An earlier round nested arrays deeper than JSON.stringify recurses.
    return mutateBytes(random, Buffer.from(text)).toString('latin1');
  }
  if (random.chance(0.1)) out = out.replace(/("sources"\s*:\s*)/, `$1${deepNesting(50_000)},"x":`);
  if (random.chance(0.05)) out = ")]}'\n" + out;
  if (random.chance(0.05)) out = '\ufeff' + out;
  if (random.chance(0.1)) out = out.slice(0, random.int(out.length));
  return out;
}

function hostileMapUrls(work) {
  const outside = path.join(work, 'outside', 'leak.js.map');
  return [
    '/etc/passwd', '/dev/zero', '/dev/urandom', '/dev/stdin', '/proc/self/environ', '/proc/self/mem', '/sys/kernel/notes',
    outside, `file://${outside}`, '../outside/leak.js.map', '../../outside/leak.js.map', '../'.repeat(40) + 'etc/passwd',
    '%2e%2e/outside/leak.js.map', '..%2foutside%2fleak.js.map', '..\\outside\\leak.js.map',
    'data:application/json;base64,!!!!not-base64!!!!', 'data:application/json;base64,' + 'A'.repeat(4_000_001), 'data:application/json,%E0%A4%A', 'data:application/json;charset=utf-16,%FF%FE',
    'data:application/json;base64,' + Buffer.from('{"version":3,"sources":[' + '['.repeat(5000)).toString('base64'), 'data:', 'data:,', 'data:application/json;base64',
    'http://169.254.169.254/latest/meta-data/', 'https://example.invalid/app.js.map', 'app.js.map?x=1#frag', 'x'.repeat(100_000), '\u0000', '', ' ', 'app.js', '.', '..',
    'zero.map', 'loop.map', 'outside.map', 'folder.map',
  ];
}

function generateWeb(random, work) {
  const dir = random.pick(fixtures().webDirs);
  const files = dir.map((file) => ({ path: path.basename(file.name), bytes: file.bytes }));
  for (let n = 1 + random.int(2); n > 0; n--) {
    const op = random.int(5);
    const map = files.find((file) => file.path.endsWith('.map'));
    const bundle = files.find((file) => file.path.endsWith('.js'));
    if ((op <= 1) && map) map.bytes = Buffer.from(mutateMapJson(random, map.bytes.toString('utf8')));
    else if (op === 2 && bundle) {
      const url = random.pick(hostileMapUrls(work));
      const text = bundle.bytes.toString('utf8').replace(/\n\/\/[#@] sourceMappingURL=[^\n]*\s*$/, '');
      const tail = random.pick([`\n//# sourceMappingURL=${url}\n`, `\n//@ sourceMappingURL=${url}`, `\n/*# sourceMappingURL=${url} */`, `\n//# sourceMappingURL=${url}\n//# sourceMappingURL=app.js.map\n`]);
      bundle.bytes = Buffer.from(text + tail);
    } else if (op === 3 && bundle) bundle.bytes = mutateBytes(random, bundle.bytes);
    else if (map) map.bytes = mutateBytes(random, map.bytes);
  }
  // Files the hostile URLs name: links out of the folder, a loop, a folder where a map should be.
  if (random.chance(0.3)) files.push({ path: 'zero.map', symlink: '/dev/zero' }, { path: 'loop.map', symlink: 'loop.map' }, { path: 'outside.map', symlink: path.join(work, 'outside', 'leak.js.map') }, { path: 'folder.map/x', bytes: Buffer.from('{}') });
  return { kind: 'tree', files, canaryOutside: true };
}

// ─── unified diffs ───────────────────────────────────────────────────────────────────────────

const COMMIT_MARK = '\x1ecommit\x1f';

function baseDiff(random) {
  const { secrets } = fixtures();
  const lines = [];
  for (let commit = 1 + random.int(3); commit > 0; commit--) {
    const sha = Array.from({ length: 40 }, () => '0123456789abcdef'[random.int(16)]).join('');
    lines.push(`${COMMIT_MARK}${sha}\x1fDev\x1fdev@example.org\x1f2026-01-0${1 + random.int(9)}T10:00:00Z\x1frefs/heads/main\x1fAdd config`);
    for (let file = 1 + random.int(3); file > 0; file--) {
      const name = random.pick(['config/app.env', 'src/keys.ts', 'deploy.yml', '"dir/\\303\\251t\\303\\251 \\"x\\".txt"', 'with space.txt\t']);
      const plain = name.startsWith('"') ? name : `b/${name}`;
      lines.push(`diff --git a/${name} b/${name}`, '--- /dev/null', `+++ ${plain.startsWith('"') ? `"b/${plain.slice(1)}` : plain}`);
      const start = 1 + random.int(200);
      const count = 1 + random.int(4);
      lines.push(`@@ -0,0 +${start},${count} @@`);
      for (let line = 0; line < count; line++) lines.push(`+KEY_${line}=${random.pick(secrets)}`);
    }
    if (random.chance(0.3)) lines.push('diff --git a/logo.png b/logo.png', 'Binary files /dev/null and b/logo.png differ');
  }
  return lines;
}

const HOSTILE_DIFF_LINES = () => [
  '@@ -1 +99999999999999999999999999 @@', '@@ -1 +-5 @@', '@@ -0,0 +0 @@', '@@ @@', '@@ -1,1 +1,99999999 @@', '+++ "b/\\777\\400\\"', '+++ "', '+++ "\\', '+++ "b/\\', '+++ b/',
  '+++ ', '+++ /dev/null', '+++ "b/' + '\\303'.repeat(5000) + '"', COMMIT_MARK, `${COMMIT_MARK}\x1f\x1f\x1f\x1f`, `${COMMIT_MARK}${'\x1f'.repeat(1000)}`, 'diff --git ', 'Binary files  differ',
  'Binary files a/x and "b/ differ', 'Binary files a/x and "b/\\777" differ', '+' + 'A'.repeat(1_000_000), '+\u0000\u0000', '+\r', '+a\rb\rc', '+\ud800', '\\ No newline at end of file', '+'.repeat(10_000), '-removed', ' context',
];

function generateDiff(random) {
  const lines = baseDiff(random);
  for (let n = random.int(6); n > 0; n--) {
    const at = random.int(lines.length + 1);
    const op = random.int(6);
    if (op === 0) lines.splice(at, 1);
    else if (op === 1 && lines.length > 0) lines.splice(at, 0, lines[Math.min(at, lines.length - 1)]);
    else if (op === 2) lines.splice(at, 0, random.pick(HOSTILE_DIFF_LINES()));
    else if (op === 3 && lines[at] !== undefined) lines[at] = mutateBytes(random, Buffer.from(lines[at], 'utf8')).toString('utf8');
    else if (op === 4 && lines[at] !== undefined) lines[at] = lines[at].slice(0, random.int(lines[at].length + 1));
    else if (lines.length > 1) {
      const other = random.int(lines.length);
      [lines[at % lines.length], lines[other]] = [lines[other], lines[at % lines.length]];
    }
  }
  return { kind: 'diff', text: lines.join('\n') };
}

// ─── rule files ──────────────────────────────────────────────────────────────────────────────

const HOSTILE_REGEXES = [
  '(a+)+$', '(a|a)*b', '(a|aa)+$', '(x+x+)+y', '(.*a){20}', '^(\\w+\\s?)*$', '([a-zA-Z0-9]+)*@', '(?<n>x)\\k<n>', '[', '(', '\\', '(?i)(?-i)x', '(?<=a+)b', '(?=a)*',
  '.*.*.*.*.*=', 'a{1,99999}', 'a{99999999999}', '(' .repeat(2000) + 'a' + ')'.repeat(2000), '\\p{L}+', '[\\s\\S]*', '', '(?:)', '$^', '\\1', '(?P<x>a)', '[[:alnum:]]+\\z',
];
const HOSTILE_TOML_VALUES = ['1e308', '-1', 'nan', 'inf', '"x"', '[]', '{}', '99999999999999999999', '1979-05-27T07:32:00Z', 'true', '[' + '['.repeat(3000) + ']'.repeat(3001), '"' + 'k'.repeat(100_000) + '"'];
const RULE_KEYS = ['id', 'regex', 'keywords', 'entropy', 'secretGroup', 'secret_group', 'path', 'flags', 'exposure', 'level', 'examples', 'negative_examples', 'allowlists', 'tags', 'provider', 'stopwords'];

function generateRules(random) {
  const file = random.pick(fixtures().ruleFiles);
  let text = file.bytes.toString('utf8');
  for (let n = 1 + random.int(3); n > 0; n--) {
    const op = random.int(6);
    if (op <= 1) {
      const regex = random.pick(HOSTILE_REGEXES);
      let replaced = 0;
      const target = random.int(8);
      text = text.replace(/regex = '''.*?'''/g, (whole) => (replaced++ === target || random.chance(0.1) ? `regex = '''${regex}'''` : whole));
    } else if (op === 2) {
      const key = random.pick(RULE_KEYS);
      text = text.replace(/\[\[rules\]\]\n/, `[[rules]]\n${key} = ${random.pick(HOSTILE_TOML_VALUES)}\n`);
    } else if (op === 3) {
      const lines = text.split('\n');
      const at = random.int(lines.length);
      if (random.chance(0.5)) lines.splice(at, 1);
      else lines.splice(random.int(lines.length), 0, lines[at]);
      text = lines.join('\n');
    } else if (op === 4) text = text.replace(/keywords = \[[^\]]*\]/, `keywords = ${random.pick(['[""]', '["a"]', '[]', '[1]', '["' + 'k'.repeat(5000) + '"]', JSON.stringify(Array.from({ length: 2000 }, (_, i) => `kw${i}`))])}`);
    else text = mutateBytes(random, Buffer.from(text, 'utf8')).toString('utf8');
  }
  return { kind: 'rule', name: `fuzz-${path.basename(file.name)}`, dialect: file.dialect, text };
}

// ─── self-test: proves the watchdog and classifier see each failure ─────────────────────────

const SELFTEST_ACTIONS = ['ok', 'throw', 'hang', 'memory', 'exit', 'stack', 'reject'];

// ─── targets ─────────────────────────────────────────────────────────────────────────────────

const GENERATORS = { app: generateApp, web: generateWeb, diff: generateDiff, rules: generateRules, selftest: (_random, _work, index) => ({ kind: 'selftest', action: SELFTEST_ACTIONS[index % SELFTEST_ACTIONS.length] }) };
export const TARGET_NAMES = Object.keys(GENERATORS);

/** Input `index` of `target` under `seed`; `work` is where the hostile URLs may point. */
export function makeInput(target, seed, index, work) {
  return GENERATORS[target](inputRandom(seed, target, index), work, index);
}

/** ok / notice, or crash for anything the library throws: bad input must end in notices. */
export function classifyError(error) {
  const stack = error instanceof Error ? error.stack ?? `${error.name}: ${error.message}` : `non-error thrown: ${String(error)}`;
  return { outcome: 'crash', detail: stack.split('\n').slice(0, 12).join('\n') };
}

/** Output a library must never print: any stack trace on stderr is a crash. */
export function classifyStderr(text) {
  return /\n\s+at .+(:\d+:\d+\)?|\(native\))/.test(text) || /^\w*Error: /m.test(text) ? { outcome: 'crash', detail: text.slice(0, 2000) } : undefined;
}

/** How a child process ended when it was not asked to: out of memory, or some other crash. */
export function classifyExit(code, signal, stderr) {
  if (/heap out of memory|Reached heap limit|Allocation failed|ERR_WORKER_OUT_OF_MEMORY|Array buffer allocation failed/i.test(stderr)) return { outcome: 'memory', detail: `out of memory (code ${code}, signal ${signal})\n${stderr.slice(-2000)}` };
  return { outcome: 'crash', detail: `child exited (code ${code}, signal ${signal})\n${stderr.slice(-2000)}` };
}

// ─── running inputs (child side) ─────────────────────────────────────────────────────────────

function writeTree(folder, files) {
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const file of files) {
    const target = path.join(folder, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    if (file.symlink !== undefined) symlinkSync(file.symlink, target);
    else writeFileSync(target, file.bytes);
  }
}

const OUTSIDE_SOURCE = 'outside-leak.ts';

function prepareWork(work) {
  const { canary } = fixtures();
  mkdirSync(path.join(work, 'outside'), { recursive: true });
  const map = { version: 3, sources: [OUTSIDE_SOURCE], sourcesContent: [`export const key = "${canary}";\n`], mappings: 'AAAA' };
  writeFileSync(path.join(work, 'outside', 'leak.js.map'), JSON.stringify(map));
  writeFileSync(path.join(work, 'outside', OUTSIDE_SOURCE), `export const key = "${canary}";\n`);
}

/** The outside map's secret was scanned, or a bundle hit was traced through that map to its one source. */
function readOutside(finding, canary) {
  return finding.secret === canary || finding.occurrences.some((occurrence) => occurrence.original?.source?.endsWith(OUTSIDE_SOURCE) || occurrence.provenance.path.includes(OUTSIDE_SOURCE));
}

/** The scan's own budget for one regex search: well inside the harness's deadline (--timeout, 10 s). */
const RULE_TIMEOUT_MS = 2000;

async function libraryRunner(work) {
  const [{ scan }, { loadRuleset }, { parseRuleText }, { compileRuleset }, { PatchParser }, { detectAdded }] = await Promise.all(
    ['scan/scan.js', 'ruleset/load.js', 'ruleset/parse-text.js', 'ruleset/compile.js', 'sources/git.js', 'scan/added-lines.js'].map((module) => import(dist(module))),
  );
  const spec = await loadRuleset({}, root);
  const ruleset = compileRuleset(spec);
  const { canary } = fixtures();
  const caseFolder = path.join(work, 'case');
  const verdict = (notices, escaped) => (escaped ? { outcome: 'escape', detail: 'a secret from outside the scanned folder was reported' } : notices.length > 0 ? { outcome: 'notice', detail: notices.slice(0, 3).map((notice) => `${notice.code} ${notice.path ?? ''}`).join('; ') } : { outcome: 'ok' });

  return async function runInput(input) {
    if (input.kind === 'tree') {
      writeTree(caseFolder, input.files);
      const result = await scan({ paths: ['.'], cwd: caseFolder, ruleset: spec, threads: 1, useIgnoreFiles: false });
      return verdict(result.notices, input.canaryOutside === true && result.findings.some((finding) => readOutside(finding, canary)));
    }
    if (input.kind === 'diff') {
      const notices = [];
      const hits = [];
      const parser = new PatchParser({ added: (added) => void hits.push(...detectAdded(added, ruleset)), notice: (notice) => notices.push(notice) });
      for (const line of input.text.split('\n')) await parser.line(line);
      await parser.flush();
      const lost = hits.find((hit) => !Number.isSafeInteger(hit.region.startLine));
      if (lost) return { outcome: 'crash', detail: `hit without a line number: ${lost.ruleId} ${lost.provenance.path} startLine=${lost.region.startLine}` };
      return verdict(notices, false);
    }
    if (input.kind === 'rule') {
      const parsed = parseRuleText(input.name, input.text, input.dialect, false);
      if (parsed.problems.length > 0) return { outcome: 'notice', detail: parsed.problems.slice(0, 2).map((problem) => problem.message).join('; ') };
      const keywords = parsed.rules.flatMap((rule) => rule.keywords ?? []).slice(0, 50).join(' ');
      const haystack = `${keywords} = "${'a'.repeat(30_000)}!"\n${keywords}${'x'.repeat(5_000)}\n${fixtures().secrets.join('\n')}`;
      writeTree(caseFolder, [{ path: 'haystack.txt', bytes: haystack }]);
      // Through scan(), as users run rules: a rule that is not built in runs in the watched worker, whose
      // time budget (here well inside the harness's own deadline) must stop a runaway regex.
      const userRules = { rules: parsed.rules, global: { allowlists: parsed.allowlists, documentedExamples: parsed.documentedExamples } };
      const result = await scan({ paths: ['.'], cwd: caseFolder, ruleset: userRules, threads: 1, useIgnoreFiles: false, ruleTimeout: RULE_TIMEOUT_MS });
      return verdict([...parsed.warnings, ...result.notices], false);
    }
    return runSelftest(input.action);
  };
}

async function runSelftest(action) {
  if (action === 'throw') throw new TypeError('selftest: deliberate crash');
  if (action === 'hang') for (;;);
  if (action === 'memory') {
    const hoard = [];
    for (;;) hoard.push(new Array(1_000_000).fill(hoard.length));
  }
  if (action === 'exit') process.exit(3);
  if (action === 'stack') process.stderr.write(`${new Error('selftest: printed stack').stack}\n`);
  if (action === 'reject') {
    void Promise.reject(new RangeError('selftest: unhandled rejection'));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { outcome: 'ok' };
}

async function childMain() {
  const work = process.env.KEYLEAK_FUZZ_WORK;
  const runInput = await libraryRunner(work);
  let printed = '';
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk, ...rest) => {
      printed += String(chunk);
      return write(chunk, ...rest);
    };
  }
  let current;
  const report = (message) => process.send(message);
  const fatal = (error) => {
    report({ type: 'result', index: current?.index, ...classifyError(error), maxRss: process.resourceUsage().maxRSS });
    process.exit(70);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  // An orphan would keep its IPC handler, and its memory, forever.
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message) => {
    current = message;
    printed = '';
    let result;
    try {
      result = await runInput(makeInput(message.target, message.seed, message.index, work));
    } catch (error) {
      result = classifyError(error);
    }
    result = classifyStderr(printed) ?? result;
    report({ type: 'result', index: message.index, ...result, maxRss: process.resourceUsage().maxRSS });
  });
  report({ type: 'ready' });
}

// ─── driving the child (parent side) ─────────────────────────────────────────────────────────

function rssMb(pid) {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return (pages * 4096) / 1024 / 1024;
  } catch {
    return 0;
  }
}

class Runner {
  constructor(options) {
    this.options = options;
    this.child = undefined;
    this.peakRssMb = 0;
    this.respawns = 0;
  }

  async start() {
    const child = fork(fileURLToPath(import.meta.url), ['--child'], {
      execArgv: [`--max-old-space-size=${this.options.memoryMb}`, '--stack-size=984'],
      env: { ...process.env, KEYLEAK_FUZZ_WORK: this.options.work },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      this.stderr = (this.stderr + chunk).slice(-20_000);
    });
    this.child = child;
    await new Promise((resolve, reject) => {
      const onMessage = (message) => message.type === 'ready' && (child.off('message', onMessage), resolve());
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`fuzz child failed to start (exit ${code}):\n${this.stderr}`)));
    });
    child.removeAllListeners('exit');
  }

  /** One input in the child: its result, or hang / memory / crash when the watchdog or an exit ends it. */
  async run(target, seed, index) {
    if (this.child === undefined) await this.start();
    const child = this.child;
    const { timeoutMs, rssLimitMb } = this.options;
    const outcome = await new Promise((resolve) => {
      const done = (result) => {
        clearTimeout(timer);
        clearInterval(poll);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(result);
      };
      const onMessage = (message) => message.type === 'result' && done(message);
      const onExit = (code, signal) => setTimeout(() => done({ ...classifyExit(code, signal, this.stderr), dead: true }), 50);
      const timer = setTimeout(() => done({ outcome: 'hang', detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
      const poll = setInterval(() => {
        const rss = rssMb(child.pid);
        this.peakRssMb = Math.max(this.peakRssMb, rss);
        if (rss > rssLimitMb) done({ outcome: 'memory', detail: `resident memory ${rss.toFixed(0)} MB over ${rssLimitMb} MB` });
      }, 100);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ target, seed, index });
    });
    if (outcome.maxRss) this.peakRssMb = Math.max(this.peakRssMb, outcome.maxRss / 1024);
    const ended = outcome.dead || ['hang', 'memory'].includes(outcome.outcome) || child.exitCode !== null;
    if (!ended && this.peakRssMb > this.options.rssLimitMb) outcome.outcome = 'memory';
    if (ended || outcome.outcome === 'crash' || outcome.outcome === 'memory') await this.restart();
    return outcome;
  }

  async restart() {
    const child = this.child;
    this.child = undefined;
    this.respawns++;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }

  async stop() {
    if (this.child) {
      if (this.child.connected) this.child.disconnect();
      await this.restart();
    }
  }
}

function saveFailure(outDir, target, seed, index, work, result) {
  const folder = path.join(outDir, `${target}-${index}`);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const input = makeInput(target, seed, index, work);
  if (input.kind === 'tree') writeTree(path.join(folder, 'input'), input.files);
  else if (input.kind === 'diff') writeFileSync(path.join(folder, 'input.diff'), input.text);
  else if (input.kind === 'rule') writeFileSync(path.join(folder, input.name), input.text);
  else writeFileSync(path.join(folder, 'input.json'), JSON.stringify(input));
  const replay = `npm run fuzz -- --seed ${seed} --replay ${target}:${index}`;
  const cli = input.kind === 'tree' ? `node bin/keyleak.js scan ${path.join(folder, 'input')}` : input.kind === 'rule' ? `node bin/keyleak.js rules check --rules ${path.join(folder, input.name)}` : '';
  writeFileSync(path.join(folder, 'README.txt'), `${result.outcome}: ${target} input ${index}, seed ${seed}\nreproduce: ${replay}\n${cli ? `or:        ${cli}\n` : ''}\n${result.detail ?? ''}\n`);
  return { folder, replay };
}

function parseArgs(argv) {
  const options = { seconds: undefined, inputs: undefined, seed: Date.now() % 1_000_000, targets: DEFAULT_TARGETS, timeoutMs: 10_000, memoryMb: 512, rssLimitMb: 1536, out: undefined, replay: undefined, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--seconds') options.seconds = Number(value());
    else if (flag === '--inputs') options.inputs = Number(value());
    else if (flag === '--seed') options.seed = Number(value());
    else if (flag === '--targets') options.targets = value().split(',');
    else if (flag === '--timeout') options.timeoutMs = Number(value());
    else if (flag === '--memory') options.memoryMb = Number(value());
    else if (flag === '--rss-limit') options.rssLimitMb = Number(value());
    else if (flag === '--out') options.out = value();
    else if (flag === '--replay') options.replay = value();
    else if (flag === '--quiet') options.quiet = true;
    else throw new Error(`unknown option ${flag}`);
  }
  const unknown = options.targets.filter((target) => !TARGET_NAMES.includes(target));
  if (unknown.length > 0) throw new Error(`unknown target ${unknown.join(', ')} (targets: ${TARGET_NAMES.join(', ')})`);
  if (!Number.isSafeInteger(options.seed)) throw new Error('--seed must be an integer');
  if (options.seconds === undefined && options.inputs === undefined && options.replay === undefined) options.seconds = 60;
  return options;
}

/** Replays one input in this process so its stack trace is the real one. */
async function replay(options) {
  const [target, index] = options.replay.split(':');
  const work = mkdtempSync(path.join(tmpdir(), 'keyleak-fuzz-replay-'));
  prepareWork(work);
  const runInput = await libraryRunner(work);
  const result = await runInput(makeInput(target, options.seed, Number(index), work));
  console.log(`${target}:${index} → ${result.outcome}${result.detail ? `\n${result.detail}` : ''}`);
  rmSync(work, { recursive: true, force: true });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.replay) return replay(options);
  const outDir = options.out ?? path.join(tmpdir(), `keyleak-fuzz-${options.seed}`);
  const work = mkdtempSync(path.join(tmpdir(), 'keyleak-fuzz-work-'));
  prepareWork(work);
  const runner = new Runner({ ...options, work });
  const counts = Object.fromEntries(options.targets.map((target) => [target, { ok: 0, notice: 0, crash: 0, hang: 0, memory: 0, escape: 0 }]));
  const failures = [];
  const started = Date.now();
  let ran = 0;
  const perTarget = Object.fromEntries(options.targets.map((target) => [target, 0]));
  try {
    while ((options.inputs === undefined || ran < options.inputs) && (options.seconds === undefined || Date.now() - started < options.seconds * 1000)) {
      const target = options.targets[ran % options.targets.length];
      const index = perTarget[target]++;
      const result = await runner.run(target, options.seed, index);
      counts[target][result.outcome]++;
      ran++;
      if (FAILURES.includes(result.outcome)) {
        const saved = saveFailure(outDir, target, options.seed, index, work, result);
        failures.push({ target, index, outcome: result.outcome, detail: result.detail ?? '', ...saved });
        if (!options.quiet) console.log(`${result.outcome.toUpperCase()} ${target}:${index}  ${(result.detail ?? '').split('\n')[0]}\n  saved in ${saved.folder}\n  reproduce: ${saved.replay}`);
      }
    }
  } finally {
    await runner.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const seconds = (Date.now() - started) / 1000;
  const total = (outcome) => Object.values(counts).reduce((sum, count) => sum + count[outcome], 0);
  console.log(`keyleak fuzz: seed ${options.seed}, ${ran} inputs in ${seconds.toFixed(1)} s, peak RSS ${runner.peakRssMb.toFixed(0)} MB, ${runner.respawns} respawns`);
  for (const [target, count] of Object.entries(counts)) console.log(`  ${target.padEnd(8)} ${Object.entries(count).map(([outcome, n]) => `${outcome} ${n}`).join('  ')}`);
  console.log(`crashes ${total('crash')}  hangs ${total('hang')}  memory ${total('memory')}  escapes ${total('escape')}`);
  if (failures.length > 0) console.log(`failing inputs saved under ${outDir}`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

if (process.argv[2] === '--child') await childMain();
else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main().catch((error) => {
    console.error(`keyleak fuzz: ${error.stack}`);
    process.exitCode = 2;
  });
}
