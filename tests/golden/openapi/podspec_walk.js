// Walks io.k8s.api.core.v1.PodSpec of Kubernetes' published OpenAPI (the excerpt in
// podspec-schemas.json) by $ref and lists every field that may hold an image reference, at every
// path it can appear in a Pod. The rule is explicit and errs on the side of listing too much:
//
//   a property whose type is string (or an array or map of strings) is a candidate when its name
//   matches /image|reference/i, or its description matches
//   /\bimages?\b[^.]*\b(name|reference)\b|\bOCI\b|\bartifacts?\b|\bregistry\b/i.
//
// Every candidate is an image reference driftgate must check, unless not-image-references.json
// names it with the reason it is not one (a pull policy, a Ceph block device name, ...). Writes
// OUT/review.json (a Pod CREATE AdmissionReview setting every image candidate, at every path, to
// a distinct image) and OUT/expect.tsv (path, image, field), and prints the candidates.
// Usage: node podspec_walk.js SCHEMAS_JSON EXCLUSIONS_JSON OUT_DIR
'use strict';
const fs = require('fs');
const path = require('path');

const [schemasFile, exclusionsFile, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node podspec_walk.js SCHEMAS_JSON EXCLUSIONS_JSON OUT_DIR');
  process.exit(2);
}
const S = JSON.parse(fs.readFileSync(schemasFile, 'utf8')).components.schemas;
const exclusions = JSON.parse(fs.readFileSync(exclusionsFile, 'utf8'));
const ROOT = 'io.k8s.api.core.v1.PodSpec';
const NAME = /image|reference/i;
const DESC = /\bimages?\b[^.]*\b(name|reference)\b|\bOCI\b|\bartifacts?\b|\bregistry\b/i;

// The schema a property refers to: {"$ref"} or {"allOf": [{"$ref"}]} (how the v3 document
// attaches a description to a reference); null for an inline schema.
function refOf(s) {
  if (!s) return null;
  if (s.$ref) return s.$ref.split('/').pop();
  if (Array.isArray(s.allOf) && s.allOf.length === 1 && s.allOf[0].$ref)
    return s.allOf[0].$ref.split('/').pop();
  return null;
}

function isCandidate(prop, s, inner) {
  const desc = (s.description || '') + ' ' + ((inner && inner.description) || '');
  return NAME.test(prop) || DESC.test(desc);
}

const found = []; // {field, path: [...], requires: [[...path, prop]]}
const missingSchemas = new Set();

// `requires`: the required string properties of every object on the way (a Container's name),
// so the Pod built below is one the apiserver would accept.
function walk(name, at, requires, seen) {
  const sch = S[name];
  if (!sch) {
    missingSchemas.add(name);
    return;
  }
  const req = (sch.required || [])
    .filter((p) => sch.properties && sch.properties[p] && sch.properties[p].type === 'string')
    .map((p) => at.concat(p));
  const here = requires.concat(req);
  for (const [prop, ps] of Object.entries(sch.properties || {})) {
    const p = at.concat(prop);
    const field = name + '.' + prop;
    const r = refOf(ps);
    if (r) {
      if (!seen.has(r)) walk(r, p, here, new Set(seen).add(r));
      continue;
    }
    if (ps.type === 'string') {
      if (isCandidate(prop, ps)) found.push({ field, path: p, requires: here, shape: 'string' });
    } else if (ps.type === 'array' && ps.items) {
      const ir = refOf(ps.items);
      if (ir) {
        if (!seen.has(ir)) walk(ir, p.concat(0), here, new Set(seen).add(ir));
      } else if (ps.items.type === 'string' && isCandidate(prop, ps, ps.items)) {
        found.push({ field, path: p.concat(0), requires: here, shape: 'array' });
      }
    } else if (ps.type === 'object' && ps.additionalProperties) {
      const ar = refOf(ps.additionalProperties);
      if (ar) {
        if (!seen.has(ar)) walk(ar, p.concat('k'), here, new Set(seen).add(ar));
      } else if (ps.additionalProperties.type === 'string' &&
                 isCandidate(prop, ps, ps.additionalProperties)) {
        found.push({ field, path: p.concat('k'), requires: here, shape: 'map' });
      }
    }
  }
}

walk(ROOT, ['spec'], [], new Set([ROOT]));

function render(p) {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : (i ? '.' : '') + k)).join('');
}

function setPath(obj, p, value) {
  let cur = obj;
  for (let i = 0; i < p.length - 1; i++) {
    if (cur[p[i]] === undefined) cur[p[i]] = typeof p[i + 1] === 'number' ? [] : {};
    cur = cur[p[i]];
  }
  if (cur[p[p.length - 1]] === undefined) cur[p[p.length - 1]] = value;
}

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'openapi-walk', namespace: 'prod' } };
const expect = [];
const report = { candidates: [], excluded: [], staleExclusions: [], missingSchemas: [] };
let n = 0;
for (const c of found) {
  if (exclusions[c.field] !== undefined) {
    report.excluded.push({ field: c.field, path: render(c.path), reason: exclusions[c.field] });
    continue;
  }
  const image = `registry.example.com/openapi/f${n}:v${n}`;
  n++;
  setPath(pod, c.path, image);
  expect.push([render(c.path), image, c.field]);
  report.candidates.push({ field: c.field, path: render(c.path) });
}
// Required names last, so they never take a candidate's place.
let r = 0;
for (const c of found)
  if (exclusions[c.field] === undefined)
    for (const q of c.requires) setPath(pod, q, `req-${r++}`);
for (const field of Object.keys(exclusions))
  if (!found.some((c) => c.field === field)) report.staleExclusions.push(field);
report.missingSchemas = [...missingSchemas];

const review = {
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'a3f0c9d2-5b1e-4c7a-9e2f-0d1c2b3a4f5e',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'prod',
    operation: 'CREATE',
    userInfo: { username: 'openapi-walk' },
    object: pod,
  },
};
fs.writeFileSync(path.join(outDir, 'review.json'), JSON.stringify(review, null, 1));
fs.writeFileSync(path.join(outDir, 'expect.tsv'), expect.map((e) => e.join('\t')).join('\n') + '\n');
process.stdout.write(JSON.stringify(report, null, 1) + '\n');
