import { describe, expect, it } from 'vitest';
import { inFirebaseWebConfig, looksBuilt } from '../../src/detect/exposure.js';

describe('looksBuilt', () => {
  it('knows bundler runtimes and minified lines', () => {
    expect(looksBuilt('(self.webpackChunkapp=self.webpackChunkapp||[]).push([[179],{}]);')).toBe(true);
    expect(looksBuilt('__d(function(g,r,i,a,m,e,d){"use strict";},0,[]);')).toBe(true);
    expect(looksBuilt(`var a=1;${'b.c(d,e),f=g?h:i;'.repeat(100)}`)).toBe(true);
  });

  it('does not take hand-written code, long comments or data lines for a bundle', () => {
    expect(looksBuilt('export function add(a, b) {\n  return a + b;\n}\n')).toBe(false);
    expect(looksBuilt(`// ${'a long explanation of what this does, '.repeat(40)}\nconst x = 1;\n`)).toBe(false);
    expect(looksBuilt(`const words = [${'"alpha", "beta", '.repeat(100)}];\n`)).toBe(false);
  });
});

describe('inFirebaseWebConfig', () => {
  const key = 'AIzaSyq3Lx9Rk2Wm7Tn4Vb8Zc1Hd6Jf0Gp5Ys2E';
  const at = (text: string) => inFirebaseWebConfig(text, text.indexOf(key));

  it('needs apiKey assigned there and two other config keys, or the firebaseapp.com domain', () => {
    expect(at(`{apiKey:"${key}",projectId:"p-1",appId:"1:80:web:4f"}`)).toBe(true);
    expect(at(`{"apiKey": "${key}", "authDomain": "p-1.firebaseapp.com"}`)).toBe(true);
    expect(at(`{apiKey:"${key}",projectId:"p-1"}`)).toBe(false);
    expect(at(`{mapsKey:"${key}",projectId:"p-1",appId:"1:80:web:4f"}`)).toBe(false);
    expect(at(`{apiKey:"${key}"}${' '.repeat(2000)}{projectId:"p-1",appId:"1:80:web:4f"}`)).toBe(false);
  });
});
