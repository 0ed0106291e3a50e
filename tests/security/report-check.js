// Checks one rendered report (or a stderr capture) for forgeries from untrusted names; used by
// report_forgery_test.sh. Usage: node report-check.js FORMAT FILE [EXPECT.json]
//   markdown  CommonMark through markdown-it (html and linkify on, as GitHub renders raw HTML and
//             autolinks): no link, image or raw HTML token other than the report's own
//             <details>, no @mention or #reference in text, every table row 5 cells, and each
//             expected hostile name shown literally (EXPECT.json: {"names": [...]}).
//   text      UTF-8, no control character but newline, no line starting with "::" (a GitHub
//             Actions workflow command: the runner trims leading spaces first).
//   json      UTF-8 and JSON.parse; each expected name is a finding's name, unchanged.
//   sarif     UTF-8, JSON.parse, valid against the SARIF 2.1.0 schema (@microsoft/jest-sarif
//             ships it; draft-04, checked with ajv-draft-04), every message at most 1,100 bytes.
// Prints one line per problem and exits 1 when there is any.
'use strict';
const fs = require('fs');
const path = require('path');

const [format, file, expectFile] = process.argv.slice(2);
const raw = fs.readFileSync(file);
const expect = expectFile ? JSON.parse(fs.readFileSync(expectFile, 'utf8')) : { names: [] };
const problems = [];
const bad = (msg) => problems.push(msg);

let text = '';
try {
  text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
} catch (e) {
  bad(`${format}: not UTF-8`);
  text = raw.toString('utf8');
}
const ZWSP = /\u200b/g;

// eslint-disable-next-line no-control-regex
const UNSAFE = '[\\u0000-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]';
const UNSAFE_G = new RegExp(UNSAFE, 'g');

function checkControls(s) {
  const m = s.replace(/\n/g, ' ').match(new RegExp(UNSAFE));
  if (m) bad(`raw control character U+${m[0].codePointAt(0).toString(16).padStart(4, '0')}`);
  s.split('\n').forEach((line, i) => {
    if (/^\s*::/.test(line)) bad(`line ${i + 1} starts with "::": ${line.slice(0, 80)}`);
  });
}

function walk(tokens, fn) {
  for (const t of tokens) {
    fn(t);
    if (t.children) walk(t.children, fn);
  }
}

function checkMarkdown() {
  const MarkdownIt = require('markdown-it');
  const md = new MarkdownIt({ html: true, linkify: true });
  const tokens = md.parse(text, {});
  const own = new Set(['<details><summary>show</summary>', '</details>']);
  let shown = '';
  walk(tokens, (t) => {
    if (t.type === 'link_open') bad(`link to ${t.attrGet('href')}`);
    if (t.type === 'image') bad(`image ${t.attrGet('src')}`);
    if ((t.type === 'html_inline' || t.type === 'html_block') && !own.has(t.content.trim()))
      bad(`raw HTML ${JSON.stringify(t.content.slice(0, 80))}`);
    if (t.type === 'text') {
      if (/(^|[^\w`])@[A-Za-z0-9]/.test(t.content)) bad(`@mention in ${JSON.stringify(t.content.slice(0, 80))}`);
      if (/(^|[^\w&])#[0-9]/.test(t.content)) bad(`#reference in ${JSON.stringify(t.content.slice(0, 80))}`);
    }
    if (t.type === 'text' || t.type === 'code_inline') shown += t.content.replace(ZWSP, '') + '\n';
  });
  // Rows keep their five cells: a '|' in a name must not add one.
  let cells = -1;
  for (const t of tokens) {
    if (t.type === 'tr_open') cells = 0;
    if (t.type === 'td_open' || t.type === 'th_open') cells++;
    if (t.type === 'tr_close' && cells !== 5) bad(`table row with ${cells} cells`);
  }
  // Control characters and bidi overrides are shown as visible escapes ("\x1b", "\u{202e}").
  const visible = (n) => n.replace(UNSAFE_G, (c) => {
    const cp = c.codePointAt(0);
    return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16).padStart(4, '0')}}`;
  });
  for (const n of expect.names) {
    if (!shown.includes(visible(n))) bad(`name not shown literally: ${JSON.stringify(visible(n).slice(0, 80))}`);
  }
}

function checkJson() {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    bad(`JSON.parse: ${e.message}`);
    return null;
  }
  if (format === 'json') {
    const names = new Set((doc.findings || []).map((f) => f.name));
    for (const n of expect.names) if (!names.has(n)) bad(`finding name changed: ${JSON.stringify(n.slice(0, 80))}`);
  }
  return doc;
}

function checkSarif() {
  const doc = checkJson();
  if (doc === null) return;
  const Ajv = require('ajv-draft-04');
  const schema = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('@microsoft/jest-sarif/package.json')),
    'lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  // unicodeRegExp off: the schema's language-tag pattern is not valid under the u flag.
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
  if (!ajv.validate(schema, doc))
    ajv.errors.slice(0, 5).forEach((e) => bad(`SARIF schema: ${e.instancePath} ${e.message}`));
  for (const r of doc.runs[0].results) {
    if (Buffer.byteLength(r.message.text) > 1100) bad(`SARIF message of ${Buffer.byteLength(r.message.text)} bytes`);
  }
}

if (format === 'markdown') checkMarkdown();
else if (format === 'text') checkControls(text);
else if (format === 'json') checkJson();
else if (format === 'sarif') checkSarif();
else bad(`unknown format ${format}`);
if (format !== 'text') checkControls(text);
problems.slice(0, 12).forEach((p) => console.log(p));
process.exit(problems.length ? 1 : 0);
