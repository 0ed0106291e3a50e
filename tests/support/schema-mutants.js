#!/usr/bin/env node
// Writes mutants of the given policies into OUTDIR, for the differential test of driftgate's
// schema check against Ajv (tests/golden/schema_test.sh). Each mutant changes one node of a valid
// policy: a scalar becomes a value of another YAML 1.2 type or a string that breaks a pattern,
// format or length rule; a key is dropped or an unknown one added; a list item is repeated; a
// collection is emptied. Deterministic: the same inputs give the same files.
// Usage: schema-mutants.js OUTDIR POLICY.yaml...
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

// Source text spliced over a scalar. Plain ones are typed by YAML 1.2 core (bool, int in three
// bases, float, null); quoted ones are strings that exercise minLength, patterns, the date
// format and the enums.
const SCALARS = [
  'yes', 'true', 'True', 'TRUE', 'false', 'False', 'Null', 'NULL', '+1', '01', '.5', '1.', '.NaN', '"true"', '1', '0x1f', '0o17', '1.0', '1.5', '-3', '1e3',
  '.inf', '~', 'null', '""', '" "', '"a b"', '"***"', '"a/**/b"', '"2024-02-29"',
  '"2023-02-29"', '"2024-13-01"', '"7d"', '"0d"', '"2w"', '"é"', '"x{{tag}}y{{tag}}"',
  '"(?i)abc"', '"\\\\d+"', '"ok[0]"', '"seed-default[2]"', '"sha256:ab"', '"https://x@y"',
  '[a]', '[]', '{}', '{a: 1}', '"required"', '"optional"', '"enforce"', '"deny"', '"critical"',
];

function paths(node, at, out) {
  if (YAML.isMap(node)) {
    out.push({ at, node });
    node.items.forEach((pair) => paths(pair.value, at.concat([pair.key.value]), out));
  } else if (YAML.isSeq(node)) {
    out.push({ at, node });
    node.items.forEach((item, i) => paths(item, at.concat([i]), out));
  } else if (node) {
    out.push({ at, node });
  }
  return out;
}

function mutants(text) {
  const base = YAML.parseDocument(text);
  const out = [];
  const all = paths(base.contents, [], []);
  const edit = (fn) => {
    const doc = base.clone();
    fn(doc);
    out.push(doc.toString());
  };
  for (const { at, node } of all) {
    if (at.length === 0) continue;
    if (YAML.isScalar(node) && node.range) {
      // spliced into the source text, so plain scalars keep their spelling (True, 0x1f, ~)
      const [start, end] = node.range;
      for (const s of SCALARS) out.push(text.slice(0, start) + s + text.slice(end));
    }
    if (YAML.isMap(node)) {
      edit((doc) => doc.setIn(at.concat(['zzUnknown']), 1));
      edit((doc) => doc.setIn(at, doc.createNode({})));
      edit((doc) => doc.setIn(at, doc.createNode('a string')));
      node.items.forEach((pair) => edit((doc) => doc.deleteIn(at.concat([pair.key.value]))));
    }
    if (YAML.isSeq(node)) {
      edit((doc) => doc.setIn(at, doc.createNode([])));
      if (node.items.length > 0) edit((doc) => doc.addIn(at, doc.getIn(at.concat([0]), true)));
      edit((doc) => doc.setIn(at, doc.createNode({ a: 1 })));
    }
  }
  return out;
}

function main(argv) {
  if (argv.length < 2) {
    process.stderr.write('usage: schema-mutants.js OUTDIR POLICY.yaml...\n');
    return 2;
  }
  const [outdir, ...files] = argv;
  fs.mkdirSync(outdir, { recursive: true });
  let n = 0;
  const seen = new Set();
  for (const file of files) {
    const name = path.basename(file, '.yaml');
    for (const m of mutants(fs.readFileSync(file, 'utf8'))) {
      if (seen.has(m)) continue;
      seen.add(m);
      fs.writeFileSync(path.join(outdir, `${name}-${String(n).padStart(5, '0')}.yaml`), m);
      n++;
    }
  }
  console.log(n);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
