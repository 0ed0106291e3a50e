// Renovate's offline extraction (`renovate --platform=local --dry-run=extract --report-type=file`)
// against `driftgate audit pins --format json` of the same repository (tests/golden/audit_test.sh).
// Every dependency Renovate extracts with a name (skipReason contains-variable / invalid-version
// ones have none) must be a driftgate reference in the same file with the same name, version and
// digest; KNOWN lists where Renovate is wrong and driftgate is not, each with the reason.
// Prints what matched, what only driftgate found, and exits 1 on a mismatch.
// Usage: node renovate-compare.js RENOVATE_REPORT.json DRIFTGATE.json
// With --deps (tests/golden/audit_repo_test.sh), the dependencies layer instead: `audit repo
// --format json`'s "dependencies" (what a manifest declares and its lock resolves) against
// Renovate's lockedVersion per package file, both ways (see depsCompare).
'use strict';
const fs = require('fs');
const depsMode = process.argv[2] === '--deps';
const [renFile, dgFile] = process.argv.slice(depsMode ? 3 : 2);
const ren = JSON.parse(fs.readFileSync(renFile, 'utf8'));
const dg = JSON.parse(fs.readFileSync(dgFile, 'utf8'));

// Every dependency driftgate resolved is one Renovate extracts from the same manifest (by name,
// PEP 503-normalised for Python) with the same lockedVersion; every dependency Renovate finds
// locked that driftgate did not list, and every one Renovate finds unlocked, is in a manifest
// driftgate reports out of sync (driftgate is stricter: a registry crate without a checksum).
function depsCompare() {
  const pep503 = (n) => n.toLowerCase().replace(/[-_.]+/g, '-');
  const findings = dg.layers.flatMap((l) => l.findings);
  const flagged = (file) => findings.some((f) => f.rule === 'deps/lock-out-of-sync' &&
    (f.message || f.msg || '').includes(`with ${file} (`));
  const SKIP = new Set(['packageManager', 'requires-python', 'engines', 'volta']);
  const renDeps = [];
  // pip_requirements: a requirements file is its own lock (driftgate checks its hashes instead).
  for (const [manager, files] of Object.entries(ren.repositories.local.packageFiles))
    for (const pf of files)
      for (const d of manager === 'pip_requirements' ? [] : pf.deps)
        if (!SKIP.has(d.depType) && (!d.skipReason || d.lockedVersion))
          renDeps.push({file: pf.packageFile, names: [d.depName, d.packageName].filter(Boolean).map(pep503),
                        locked: d.lockedVersion, d});
  let bad = 0, matched = 0;
  for (const x of dg.dependencies) {
    const r = renDeps.find((c) => c.file === x.manifest && c.names.includes(pep503(x.name)));
    const want = x.version.replace(/^v/, '');
    if (!r) { bad = 1; console.log(`MISS   ${x.manifest} ${x.name}: Renovate extracts no such dependency`); }
    else if (r.locked !== want) { bad = 1; console.log(`DIFF   ${x.manifest} ${x.name}: driftgate ${x.version}, Renovate ${r.locked}`); }
    else { r.used = true; matched++; }
  }
  for (const r of renDeps.filter((c) => !c.used)) {
    if (flagged(r.file)) { console.log(`extra  ${r.file} ${r.d.depName} ${r.locked}: driftgate reports the lock out of sync`); continue; }
    bad = 1;
    console.log(`ONLY   ${r.file} ${r.d.depName} ${r.locked}: Renovate ${r.locked ? 'locks' : 'finds unlocked'}, driftgate neither lists nor flags it`);
  }
  console.log(`matched ${matched} locked dependencies with Renovate`);
  process.exit(bad);
}
if (depsMode) depsCompare();
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
