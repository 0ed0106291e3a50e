// Renovate's offline extraction (`renovate --platform=local --dry-run=extract --report-type=file`)
// as the oracle of `driftgate audit repo --format json` (tests/golden/audit_repo_test.sh). One
// Renovate run covers every fixture repository, each a subdirectory of Renovate's repository;
// each FIXTURE=DRIFTGATE.json names one, and its package files are compared with driftgate's
// report of that directory, paths relative to it. Two comparisons per fixture:
//  - pins (the pipeline layer's references): every dependency Renovate's dockerfile,
//    github-actions and devcontainer managers extract with a name and version must be a driftgate
//    reference in the same file with the same name, version and digest; KNOWN lists where
//    Renovate is wrong and driftgate is not, each with the reason;
//  - deps (the dependencies layer): every dependency driftgate resolved is one Renovate's package
//    managers extract from the same manifest with the same lockedVersion, and every one Renovate
//    finds that driftgate does not list is in a manifest driftgate reports out of sync.
// Prints what matched, what only driftgate found, and exits 1 on any mismatch.
// Usage: node renovate-compare.js RENOVATE_REPORT.json FIXTURE=DRIFTGATE.json...
'use strict';
const fs = require('fs');
const [renFile, ...specs] = process.argv.slice(2);
const ren = JSON.parse(fs.readFileSync(renFile, 'utf8'));
const PIN_MANAGERS = new Set(['dockerfile', 'github-actions', 'devcontainer']);
// Renovate's managers for what driftgate checks as locked dependencies (asdf, nvm, pyenv and the
// like are the toolchain layer's pins, not dependencies).
const DEP_MANAGERS = new Set(['npm', 'bun', 'cargo', 'gomod', 'pep621', 'poetry', 'pipenv', 'pip_requirements']);
// Renovate 39's bun manager reads package.json beside bun.lock but not the lock's versions: its
// dependencies are compared by name only.
const NAME_ONLY = new Set(['bun']);
// No name or version to compare: a variable, an unparsable version, or a devcontainer feature's
// implied tool (its `node` for features/node) whose version the feature's options leave unset.
const NO_VERSION = new Set(['contains-variable', 'invalid-version', 'unspecified-version']);
const KNOWN = {
  'heredoc/Dockerfile evil': 'inside a RUN <<EOF heredoc: BuildKit runs it as script text, no image',
};
// Where driftgate, by its own report, does not check what Renovate extracts (deps comparison).
const KNOWN_DEPS = {
  'ws/packages/m/package.json ms': 'a workspace member is reported "locked by" the root lock, "its sync is not checked"',
  'py/pyproject.toml requests': 'locked by the hashed py/requirements.txt, which Renovate\'s pep621 manager does not read as a lock',
};
let bad = 0;

// Renovate's package files under DIR/, paths made relative to DIR, for the managers in `set`.
function packageFiles(dir, set) {
  const out = [];
  for (const [manager, files] of Object.entries(ren.repositories.local.packageFiles))
    for (const pf of files)
      if (set.has(manager) && pf.packageFile.startsWith(`${dir}/`))
        out.push({manager, file: pf.packageFile.slice(dir.length + 1), deps: pf.deps});
  return out;
}

function pinsCompare(dir, dg) {
  const norm = (n) => (n && !n.includes('/') ? `docker.io/library/${n}` : n);
  const used = new Set();
  let matched = 0;
  for (const pf of packageFiles(dir, PIN_MANAGERS)) {
    for (const dep of pf.deps) {
      if (NO_VERSION.has(dep.skipReason)) continue;
      const key = `${pf.file} ${dep.depName}`;
      if (KNOWN[key]) { console.log(`known  ${dir}/${key}: ${KNOWN[key]}`); continue; }
      const cands = dg.references.filter((r) => r.file === pf.file && !used.has(r) && (
        r.name === dep.depName || r.name === norm(dep.depName) || r.name === `docker.io/${dep.depName}` ||
        (r.name || '').startsWith(`${dep.depName}/`)));
      const want = dep.currentDigest || null;
      // A tag driftgate found locked (actions.lock, devcontainer-lock.json) carries the lock's
      // digest; Renovate's has none.
      const locked = cands.find((r) => want === null && r.status === 'locked' && r.version === dep.currentValue);
      const hit = locked || cands.find((r) => (r.digest || null) === want &&
        (want !== null || r.version === dep.currentValue) &&
        (want === null || !dep.currentValue || r.version === dep.currentValue ||
         (r.comment || '').includes(dep.currentValue)));
      if (hit) { used.add(hit); matched++; continue; }
      bad = 1;
      console.log(`MISS   ${pf.manager} ${dir}/${key} ${dep.currentValue || ''} ${want || ''}: no driftgate reference`);
    }
  }
  const extra = dg.references.filter((r) => !used.has(r) && r.kind !== 'local');
  console.log(`${dir}: matched ${matched} Renovate pins; driftgate found ${extra.length} more`);
  for (const r of extra) console.log(`extra  ${dir}/${r.file}:${r.line} ${r.kind} ${r.text}`);
}

function depsCompare(dir, dg) {
  const pep503 = (n) => n.toLowerCase().replace(/[-_.]+/g, '-');
  const findings = dg.layers.flatMap((l) => l.findings);
  // A manifest driftgate reports without a lock, or its lock out of sync (npm, Cargo: "out of sync
  // with M (..."; go.sum: "... modules M requires").
  const flagged = (file) => findings.some((f) => (f.rule === 'deps/no-lockfile' && f.file === file) ||
    (f.rule === 'deps/lock-out-of-sync' && ((f.message || '').includes(`with ${file} (`) ||
                                             (f.message || '').includes(` modules ${file} requires`))));
  // Not dependencies: the package manager, language and toolchain versions (go.mod's go and
  // toolchain lines are the toolchain layer's).
  const SKIP = new Set(['packageManager', 'requires-python', 'engines', 'volta', 'golang', 'toolchain']);
  const renDeps = [];
  // pip_requirements: a requirements file is its own lock (driftgate checks its hashes instead).
  for (const pf of packageFiles(dir, DEP_MANAGERS))
    for (const d of pf.manager === 'pip_requirements' ? [] : pf.deps)
      if (!SKIP.has(d.depType) && (!d.skipReason || d.lockedVersion || pf.manager === 'gomod' || (NAME_ONLY.has(pf.manager) && !NO_VERSION.has(d.skipReason))))
        // go.sum holds checksums of exactly the versions go.mod requires: those are the locked ones.
        renDeps.push({file: pf.file, names: [d.depName, d.packageName].filter(Boolean).map(pep503),
                      locked: pf.manager === 'gomod' ? d.currentValue.replace(/^v/, '') : d.lockedVersion,
                      nameOnly: NAME_ONLY.has(pf.manager), d});
  let matched = 0, byName = 0;
  for (const x of dg.dependencies) {
    const r = renDeps.find((c) => !c.used && c.file === x.manifest && c.names.includes(pep503(x.name)));
    const want = x.version.replace(/^v/, '');
    if (!r) { bad = 1; console.log(`MISS   ${dir}/${x.manifest} ${x.name}: Renovate extracts no such dependency`); }
    else if (r.nameOnly) { r.used = true; byName++; }
    else if (r.locked !== want) { bad = 1; console.log(`DIFF   ${dir}/${x.manifest} ${x.name}: driftgate ${x.version}, Renovate ${r.locked}`); }
    else { r.used = true; matched++; }
  }
  for (const r of renDeps.filter((c) => !c.used)) {
    const key = `${r.file} ${r.d.depName}`;
    if (KNOWN_DEPS[key]) { console.log(`known  ${dir}/${key}: ${KNOWN_DEPS[key]}`); continue; }
    if (flagged(r.file)) { console.log(`extra  ${dir}/${r.file} ${r.d.depName} ${r.locked}: driftgate reports the lock out of sync`); continue; }
    bad = 1;
    console.log(`ONLY   ${dir}/${r.file} ${r.d.depName} ${r.locked}: Renovate ${r.locked ? 'locks' : 'finds unlocked'}, driftgate neither lists nor flags it`);
  }
  console.log(`${dir}: matched ${matched} locked dependencies with Renovate` +
              (byName ? ` and ${byName} by name (Renovate does not read their lock)` : ''));
}

for (const spec of specs) {
  const eq = spec.indexOf('=');
  const dir = spec.slice(0, eq);
  const dg = JSON.parse(fs.readFileSync(spec.slice(eq + 1), 'utf8'));
  pinsCompare(dir, dg);
  depsCompare(dir, dg);
}
process.exit(bad);
