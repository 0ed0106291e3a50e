#!/usr/bin/env node
// Validates policy files against policy/schema.json the way an editor would: YAML 1.2 (the `yaml`
// package) into JSON, then Ajv (draft 2020-12, formats). The YAML subset is the loader's: one
// document, no anchors, aliases, tags or duplicate keys, nesting at most 32 deep.
// Usage: schema-check.js [--schema FILE] POLICY.yaml...   one line per file: "ok FILE" or
// "invalid FILE: <where> <message>"; exit 0 if every file is valid, 1 if any is not, 2 on misuse.
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

const DEPTH_MAX = 32;

function yamlProblem(text) {
  const docs = YAML.parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) return { problem: 'not a YAML stream' };
  if (docs.length === 0) return { problem: 'empty policy' };
  if (docs.length > 1) return { problem: 'a policy file holds exactly one YAML document' };
  const doc = docs[0];
  if (doc.errors.length > 0) return { problem: `YAML: ${doc.errors[0].message.split('\n')[0]}` };
  let problem = null;
  YAML.visit(doc, {
    Alias() { problem = problem || 'aliases are not allowed in a policy'; return YAML.visit.BREAK; },
    Node(_key, node, ancestors) {
      if (node.anchor) problem = problem || 'anchors are not allowed in a policy';
      else if (node.tag) problem = problem || 'tags are not allowed in a policy';
      else if (YAML.isCollection(node) &&
               ancestors.filter((a) => YAML.isCollection(a)).length >= DEPTH_MAX)
        problem = problem || `nesting deeper than ${DEPTH_MAX} levels`;
      return problem ? YAML.visit.BREAK : undefined;
    },
  });
  if (problem) return { problem };
  if (doc.contents === null) return { problem: 'empty policy' };
  return { value: doc.toJS() };
}

function main(argv) {
  let schemaPath = path.join(__dirname, '..', '..', 'policy', 'schema.json');
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--schema' && i + 1 < argv.length) schemaPath = argv[++i];
    else files.push(argv[i]);
  }
  if (files.length === 0) {
    process.stderr.write('usage: schema-check.js [--schema FILE] POLICY.yaml...\n');
    return 2;
  }
  const ajv = new Ajv2020({ strictSchema: true, strictTypes: false, strictTuples: true, strictRequired: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
  let bad = 0;
  for (const file of files) {
    const { problem, value } = yamlProblem(fs.readFileSync(file, 'utf8'));
    if (problem) {
      console.log(`invalid ${file}: ${problem}`);
      bad++;
    } else if (!validate(value)) {
      const e = validate.errors[0];
      console.log(`invalid ${file}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
      bad++;
    } else {
      console.log(`ok ${file}`);
    }
  }
  return bad > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
