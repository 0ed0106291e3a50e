#!/usr/bin/env node
// Converts an mtree specification (go-mtree as umoci writes it, NetBSD `mtree -c`, or bsdtar
// --format=mtree) into driftgate's filesystem-manifest lines (docs/fs-manifest.md), so an
// independent tool's view of a tree can be compared with `driftgate fsm` byte for byte.
// Usage: mtree-to-fsm.js [--no-caps] < SPEC > MANIFEST. Times, nlink and flags are dropped.
'use strict';
const fs = require('fs');
const noCaps = process.argv.includes('--no-caps');
const text = fs.readFileSync(0, 'latin1').replace(/\\\n/g, ' ');

// vis(3) decoding: \ooo octal, C-style escapes; bytes kept as latin1 code units.
function unvis(s) {
  return s.replace(/\\([0-7]{3}|[\\abfnrtvs#]|M-.|\^.)/g, (m, e) => {
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    const c = { '\\': '\\', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', s: ' ', '#': '#' };
    if (e in c) return c[e];
    return m;
  });
}
function esc(raw) {
  let out = '';
  for (const ch of raw) {
    const c = ch.charCodeAt(0);
    out += c >= 0x21 && c <= 0x7e && ch !== '\\' ? ch : '\\' + c.toString(8).padStart(3, '0');
  }
  return out;
}
function kv(fields) {
  const o = {};
  for (const f of fields) {
    const i = f.indexOf('=');
    if (i > 0) o[f.slice(0, i)] = f.slice(i + 1);
    else o[f] = '';
  }
  return o;
}

let set = {};
const cwd = [];
const entries = new Map();
for (const line0 of text.split('\n')) {
  const line = line0.trim();
  if (line === '' || line.startsWith('#')) continue;
  const fields = line.split(/\s+/);
  if (fields[0] === '/set') { Object.assign(set, kv(fields.slice(1))); continue; }
  if (fields[0] === '/unset') { for (const k of fields.slice(1)) delete set[k]; continue; }
  if (fields[0] === '..') { cwd.pop(); continue; }
  let name = unvis(fields[0]);
  if (name === '/.' || name === './') name = '.';
  const a = Object.assign({}, set, kv(fields.slice(1)));
  let path;
  if (name.includes('/')) path = name.startsWith('./') || name === '.' ? name : './' + name;
  else path = cwd.length === 0 && name === '.' ? '.' : [...cwd, name].join('/');
  if (!path.startsWith('.')) path = './' + path;
  path = path.replace(/\/+$/, '');
  if (!name.includes('/') && a.type === 'dir') {
    if (cwd.length === 0 && name === '.') cwd.push('.');
    else cwd.push(...(cwd.length === 0 ? ['.', name] : [name]));
  }
  entries.set(path, a);
}
const lines = [];
for (const [path, a] of entries) {
  const type = a.type || 'file';
  let s = esc(path) + ' type=' + type;
  if (type !== 'link') s += ' mode=' + (parseInt(a.mode || '0', 8) & 0o7777).toString(8).padStart(4, '0');
  s += ' uid=' + Number(a.uid || 0) + ' gid=' + Number(a.gid || 0);
  if (type === 'file') {
    s += ' size=' + Number(a.size || 0);
    const d = a.sha256digest || a.sha256;
    if (d) s += ' sha256=' + d;
  }
  if (type === 'link') s += ' link=' + esc(unvis(a.link || ''));
  const cap = a['xattr.security.capability'];
  if (cap && !noCaps) s += ' xattr.security.capability=' + Buffer.from(cap, 'base64').toString('hex');
  lines.push([Buffer.from(path, 'latin1'), s]);
}
lines.sort((x, y) => Buffer.compare(x[0], y[0]));
process.stdout.write(lines.map((l) => l[1] + '\n').join(''));
