// Renovate's offline extraction (`renovate --platform=local --dry-run=extract --report-type=file`)
// against `driftgate audit pins --format json` of the same repository (tests/golden/audit_test.sh).
// Every dependency Renovate extracts with a name (skipReason contains-variable / invalid-version
// ones have none) must be a driftgate reference in the same file with the same name, version and
// digest; KNOWN lists where Renovate is wrong and driftgate is not, each with the reason.
// Prints what matched, what only driftgate found, and exits 1 on a mismatch.
// Usage: node renovate-compare.js RENOVATE_REPORT.json DRIFTGATE.json
'use strict';
const fs = require('fs');
const [renFile, dgFile] = process.argv.slice(2);
const ren = JSON.parse(fs.readFileSync(renFile, 'utf8'));
const dg = JSON.parse(fs.readFileSync(dgFile, 'utf8'));
const KNOWN = {
  'heredoc/Dockerfile evil': 'inside a RUN <<EOF heredoc: BuildKit runs it as script text, no image',
};
const norm = (n) => {
  if (!n) return n;
  if (!n.includes('/')) return `docker.io/library/${n}`;
  if (!n.split('/')[0].includes('.') && !n.split('/')[0].includes(':')) return n;
  return n;
};
let bad = 0, matched = 0;
const used = new Set();
for (const [manager, files] of Object.entries(ren.repositories.local.packageFiles)) {
  for (const pf of files) {
    for (const dep of pf.deps) {
      if (dep.skipReason === 'contains-variable' || dep.skipReason === 'invalid-version') continue;
      const key = `${pf.packageFile} ${dep.depName}`;
      if (KNOWN[key]) { console.log(`known  ${key}: ${KNOWN[key]}`); continue; }
      const cands = dg.references.filter((r) => r.file === pf.packageFile && !used.has(r) && (
        r.name === dep.depName || r.name === norm(dep.depName) || r.name === `docker.io/${dep.depName}` ||
        (r.name || '').startsWith(`${dep.depName}/`)));
      const want = dep.currentDigest || null;
      // A tag driftgate found locked (actions.lock) carries the lock's commit; Renovate's has none.
      const locked = cands.find((r) => want === null && r.status === 'locked' && r.version === dep.currentValue);
      const hit = locked || cands.find((r) => (r.digest || null) === want &&
        (want !== null || r.version === dep.currentValue) &&
        (want === null || !dep.currentValue || r.version === dep.currentValue ||
         (r.comment || '').includes(dep.currentValue)));
      if (hit) { used.add(hit); matched++; continue; }
      bad = 1;
      console.log(`MISS   ${manager} ${key} ${dep.currentValue || ''} ${want || ''}: no driftgate reference`);
    }
  }
}
const extra = dg.references.filter((r) => !used.has(r) && r.kind !== 'local');
console.log(`matched ${matched} Renovate dependencies; driftgate found ${extra.length} more:`);
for (const r of extra) console.log(`extra  ${r.file}:${r.line} ${r.kind} ${r.text}`);
process.exit(bad);
