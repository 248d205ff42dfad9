/**
 * The HTML report's inline style and script. They are constants: the page's Content-Security-Policy
 * allows exactly these two by hash and nothing else, so no text from a scan can run or style the
 * page even if it escaped its escaping, and nothing external is ever fetched.
 */
import { createHash } from 'node:crypto';

export const STYLE = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #4b5561; --line: #d0d7de; --panel: #f6f8fa; --error: #a1001a; --warning: #7a4700; --note: #1f4f8f; --ok: #146c2e; --bar: #3a5f8f; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
header, main { max-width: 72rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 0 0 .5rem; }
h4 { font-size: .95rem; margin: .75rem 0 .25rem; }
a { color: #0b57b3; }
a:focus-visible, summary:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, article:focus-visible { outline: 3px solid #0b57b3; outline-offset: 2px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; overflow-wrap: anywhere; }
.meta { color: var(--muted); margin: 0; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .25rem .5rem; }
.counts { display: flex; flex-wrap: wrap; gap: .75rem; list-style: none; padding: 0; margin: 0; }
.counts li { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; min-width: 8rem; background: var(--panel); }
.counts .number { display: block; font-size: 1.6rem; font-weight: 700; }
.counts .error .number { color: var(--error); }
.counts .warning .number { color: var(--warning); }
.counts .note .number { color: var(--note); }
.counts .clean .number { color: var(--ok); }
.charts { display: flex; flex-wrap: wrap; gap: 2rem; margin-top: 1rem; }
.charts figure { margin: 0; }
.charts figcaption { font-weight: 600; margin-bottom: .25rem; }
svg text { font: 12px system-ui, sans-serif; fill: var(--fg); }
svg .bar { fill: var(--bar); }
svg .value { font-weight: 700; }
.badge { display: inline-block; border-radius: 4px; padding: 0 .4rem; font-size: .8rem; font-weight: 700; color: #fff; vertical-align: .1em; }
.badge.error { background: var(--error); }
.badge.warning { background: var(--warning); }
.badge.note { background: var(--note); }
.badge.publishable, .badge.suppressed { background: #fff; color: var(--muted); border: 1px solid var(--muted); }
.badge.exposed { background: #fff; color: var(--error); border: 1px solid var(--error); }
.badge.live { background: var(--error); outline: 2px solid var(--error); outline-offset: 1px; }
.badge.checked { background: #fff; color: var(--muted); border: 1px solid var(--muted); }
#filters { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: flex-end; padding: .75rem 1rem; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
#filters fieldset { border: 0; margin: 0; padding: 0; }
#filters legend, #filters label.field { font-weight: 600; display: block; margin-bottom: .15rem; }
#filters fieldset label { margin-right: .75rem; white-space: nowrap; }
#filters input[type=search], #filters select { font: inherit; padding: .2rem .4rem; border: 1px solid var(--muted); border-radius: 4px; min-width: 14rem; }
#filters button { font: inherit; padding: .2rem .8rem; border: 1px solid var(--muted); border-radius: 4px; background: #fff; color: var(--fg); cursor: pointer; }
#shown { margin: .5rem 0 0; color: var(--muted); }
.tree, .tree ul { list-style: none; margin: 0; padding-left: 1.25rem; }
.tree { padding-left: 0; }
.tree summary { cursor: pointer; padding: .1rem 0; }
.tree .name { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .9em; overflow-wrap: anywhere; }
.tree .count { color: var(--muted); font-size: .85em; }
.exposure-line { color: var(--error); margin: .1rem 0 .25rem 1.25rem; }
.hits { list-style: none; padding-left: 1.25rem; margin: .25rem 0 .5rem; border-left: 2px solid var(--line); }
.hit { padding: .15rem 0 .15rem .5rem; }
.hit .where { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .9em; }
.sub { color: var(--muted); margin: 0; font-size: .9em; }
.finding { border: 1px solid var(--line); border-left: 4px solid var(--note); border-radius: 6px; padding: .75rem 1rem; margin: 0 0 1rem; content-visibility: auto; contain-intrinsic-size: auto 320px; }
.finding.error { border-left-color: var(--error); }
.finding.warning { border-left-color: var(--warning); }
.finding dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .25rem 0; }
.finding dt { color: var(--muted); }
.finding dd { margin: 0; }
.occurrences { margin: .25rem 0; padding-left: 1.5rem; }
.occurrences li { margin-bottom: .4rem; }
.snippet { display: block; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: .2rem .5rem; margin-top: .15rem; white-space: pre-wrap; }
.history { margin: .25rem 0; padding: .4rem .75rem; background: var(--panel); border-radius: 4px; }
.history .state { font-weight: 700; }
.fix summary { cursor: pointer; font-weight: 600; }
.fix p { margin: .25rem 0; }
.notices { padding-left: 1.25rem; }
[hidden] { display: none !important; }
@media print {
  #filters, #shown, .skip { display: none !important; }
  .finding { break-inside: avoid; }
  a { color: inherit; }
}
`;

/**
 * Filters (level, exposure, provider, path text, and the provider's answer after --verify) hide findings and tree entries that do not match,
 * and tree nodes left with nothing to show. The script only toggles `hidden` and sets text: it never
 * builds markup, so nothing a scan put in the page is ever parsed as HTML by it.
 */
export const SCRIPT = `
(() => {
  const form = document.getElementById('filters');
  if (form === null) return;
  const items = Array.from(document.querySelectorAll('[data-level]'));
  const findings = items.filter((item) => item.classList.contains('finding'));
  const nodes = Array.from(document.querySelectorAll('.tree .node')).reverse();
  const status = document.getElementById('shown');
  const provider = document.getElementById('filter-provider');
  const text = document.getElementById('filter-path');
  const checked = (name) => new Set(Array.from(form.querySelectorAll('input[name="' + name + '"]:checked'), (box) => box.value));
  const apply = () => {
    const levels = checked('level');
    const exposures = checked('exposure');
    const wanted = provider.value;
    const needle = text.value.trim().toLowerCase();
    const verifications = form.querySelector('input[name="verification"]') === null ? undefined : checked('verification');
    for (const item of items) {
      const match = levels.has(item.dataset.level) && exposures.has(item.dataset.exposure) && (verifications === undefined || verifications.has(item.dataset.verification)) && (wanted === '' || item.dataset.provider === wanted) && (needle === '' || item.dataset.paths.includes(needle));
      // Only changes touch the page: a report can hold thousands of findings.
      if (item.hidden === match) item.hidden = !match;
    }
    for (const node of nodes) node.hidden = node.querySelector('.hit:not([hidden])') === null;
    const shown = findings.filter((finding) => !finding.hidden).length;
    status.textContent = shown + ' of ' + findings.length + ' finding' + (findings.length === 1 ? '' : 's') + ' shown';
  };
  // Typing in the path box filters once the typing pauses, not at every key.
  let typing;
  const applySoon = () => {
    clearTimeout(typing);
    typing = setTimeout(apply, 150);
  };
  form.hidden = false;
  form.addEventListener('input', (event) => {
    if (event.target === text) applySoon();
  });
  // Boxes and the provider list say so on change (keyboard and mouse alike); the path box too, on leaving it.
  form.addEventListener('change', apply);
  form.addEventListener('submit', (event) => event.preventDefault());
  form.addEventListener('reset', () => setTimeout(apply, 0));
  window.addEventListener('beforeprint', () => {
    for (const details of document.querySelectorAll('details')) details.open = true;
  });
  // Everything is shown at first, so only the count needs saying, unless the browser restored the
  // filters of an earlier visit (going back to the page), which it does after this script has run.
  const sync = () => {
    const pristine = Array.from(form.querySelectorAll('input[type="checkbox"]')).every((box) => box.checked) && provider.value === '' && text.value === '';
    if (pristine) status.textContent = findings.length + ' of ' + findings.length + ' finding' + (findings.length === 1 ? '' : 's') + ' shown';
    else apply();
  };
  sync();
  window.addEventListener('pageshow', sync);
})();
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * Nothing but the page's own style and script: no fetch, no image, no font, no frame, no form
 * target, no base URL. Links still open when clicked; they are navigations, not loads.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${sha256(STYLE)}`,
  `script-src ${sha256(SCRIPT)}`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
