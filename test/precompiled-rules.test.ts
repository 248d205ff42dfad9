/**
 * The built-in rules stored parsed by the build (dist/rules.json): a start with them gives exactly
 * what parsing gives, uses them only while the rule files and parser are the ones they were made
 * from, and shrugs off a missing or damaged store.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_RULES_DIR } from '../src/ruleset/load.js';
import { parseRuleText } from '../src/ruleset/parse-text.js';
import { PARSER_MODULES_ELSEWHERE, precompiledKey, precompiledText, readPrecompiled, rehydrate } from '../src/ruleset/precompiled.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('stored parsed rules', () => {
  const names = readdirSync(BUILTIN_RULES_DIR).filter((name) => name.endsWith('.toml')).sort();
  const texts = names.map((name) => readFileSync(path.join(BUILTIN_RULES_DIR, name), 'utf8'));

  it('give back each built-in file exactly as parsing it does', () => {
    const parsed = names.map((name, index) => ({ name, parsed: parseRuleText(name, texts[index]!, 'keyleak', true) }));
    const stored = JSON.parse(precompiledText('k', parsed)) as { files: Parameters<typeof rehydrate>[0][] };
    stored.files.forEach((file, index) => expect(rehydrate(file, `rules/${names[index]}`)).toStrictEqual(parseRuleText(`rules/${names[index]}`, texts[index]!, 'keyleak', true)));
  });

  it('are keyed by every file name, every text and the parser', () => {
    const key = precompiledKey(names, texts, ['parser']);
    expect(precompiledKey(names, texts, ['parser'])).toBe(key);
    expect(precompiledKey(names, texts.map((text, index) => (index === 7 ? `${text}\n` : text)), ['parser'])).not.toBe(key);
    expect(precompiledKey(names.map((name, index) => (index === 7 ? `x${name}` : name)), texts, ['parser'])).not.toBe(key);
    expect(precompiledKey(names, texts, ['parser 2'])).not.toBe(key);
    // A name and text boundary cannot be moved without changing the key.
    expect(precompiledKey(['ab', 'c'], ['x', 'y'], [])).not.toBe(precompiledKey(['a', 'bc'], ['x', 'y'], []));
  });

  it('are keyed by every module the parser runs: all of src/ruleset and the ones it imports from elsewhere', () => {
    const folder = path.join(ROOT, 'src', 'ruleset');
    const reached = new Set<string>();
    const follow = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      const source = readFileSync(file, 'utf8');
      // Value imports only: `import type` leaves no code behind.
      for (const [, specifier] of source.matchAll(/^import (?!type )[^;]*? from '(\.{1,2}\/[^']+)\.js';/gm)) follow(path.resolve(path.dirname(file), `${specifier}.ts`));
    };
    follow(path.join(folder, 'parse-text.ts'));
    const elsewhere = [...reached].filter((file) => path.dirname(file) !== folder).map((file) => path.relative(folder, file).replace(/\.ts$/, '')).sort();
    expect(elsewhere).toEqual([...PARSER_MODULES_ELSEWHERE].sort());
    expect(reached.has(path.join(folder, 'grammar.ts'))).toBe(true);
  });

  it('are refused when the file holds another key, another format, or is not JSON', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'keyleak-precompiled-'));
    const file = path.join(folder, 'rules.json');
    writeFileSync(file, precompiledText('right', []));
    expect(readPrecompiled(file, 'right')).toEqual([]);
    expect(readPrecompiled(file, 'wrong')).toBeUndefined();
    writeFileSync(file, '{"format":"other","key":"right","files":[]}');
    expect(readPrecompiled(file, 'right')).toBeUndefined();
    writeFileSync(file, '{"format":');
    expect(readPrecompiled(file, 'right')).toBeUndefined();
    expect(readPrecompiled(path.join(folder, 'missing.json'), 'right')).toBeUndefined();
    rmSync(folder, { recursive: true, force: true });
  });
});

describe('keyleak with dist/rules.json', () => {
  let install: string;
  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, [path.join(install, 'bin', 'keyleak.js'), ...args], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' } });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const stored = () => path.join(install, 'dist', 'rules.json');
  const precompile = () => spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'precompile-rules.mjs'), path.join(install, 'dist')], { encoding: 'utf8' });

  beforeAll(() => {
    // A copy of the package, so its rules and store can be changed.
    install = mkdtempSync(path.join(tmpdir(), 'keyleak-install-'));
    for (const part of ['bin', 'dist', 'rules', 'package.json']) cpSync(path.join(ROOT, part), path.join(install, part), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(install, 'node_modules'), 'dir');
    rmSync(stored(), { force: true });
  });
  afterAll(() => rmSync(install, { recursive: true, force: true }));

  it('lists the same rules and finds the same secrets as parsing the rule files', () => {
    const parsedList = run('rules', 'list', '--format', 'json');
    const parsedScan = run('scan', 'fixtures/demo', '--format', 'json', '--threads', '1');
    expect(parsedList.code).toBe(0);
    expect(parsedScan.code).toBe(1);
    expect(precompile().status).toBe(0);
    expect(run('rules', 'list', '--format', 'json')).toEqual(parsedList);
    expect(run('scan', 'fixtures/demo', '--format', 'json', '--threads', '1')).toEqual(parsedScan);
  });

  it('is what a start reads while the rule files are unchanged, and is passed over once one changes', () => {
    expect(precompile().status).toBe(0);
    const description = (list: string, id: string) => (JSON.parse(list) as { id: string; description: string }[]).find((rule) => rule.id === id)!.description;
    // A store altered behind the key's back shows it is read (no one but the build writes it).
    writeFileSync(stored(), readFileSync(stored(), 'utf8').replace(/"A GitHub personal access token \(classic, ghp_\)\./, '"Stored: a GitHub personal access token.'));
    expect(description(run('rules', 'list', '--format', 'json').stdout, 'github-pat')).toMatch(/^Stored: /);
    const rule = path.join(install, 'rules', 'github.toml');
    writeFileSync(rule, readFileSync(rule, 'utf8').replace('A GitHub personal access token (classic, ghp_).', 'Edited: a GitHub personal access token.'));
    expect(description(run('rules', 'list', '--format', 'json').stdout, 'github-pat')).toMatch(/^Edited: /);
  });

  it('runs as before when the store is damaged or missing', () => {
    const expected = run('rules', 'list', '--format', 'json');
    writeFileSync(stored(), '{"format":"keyleak-precompiled-rules/1","key":');
    expect(run('rules', 'list', '--format', 'json')).toEqual(expected);
    rmSync(stored());
    expect(run('rules', 'list', '--format', 'json')).toEqual(expected);
  });

  it('is not written while a built-in rule file has a problem, which every start then reports', () => {
    const rule = path.join(install, 'rules', 'github.toml');
    writeFileSync(rule, `${readFileSync(rule, 'utf8')}\n[[rules]]\nid = "broken"\n`);
    const result = precompile();
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/does not load cleanly/);
    expect(() => readFileSync(stored())).toThrow();
    const listed = run('rules', 'list');
    expect(listed.code).toBe(2);
    expect(listed.stderr).toMatch(/github\.toml.*broken/);
  });
});
