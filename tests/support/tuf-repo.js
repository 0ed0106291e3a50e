#!/usr/bin/env node
// TUF repositories for tests/integration/tuf_test.sh: good ones (root rotations, ed25519 and
// ecdsa keys, consistent and plain snapshots) and the TUF specification's attacks, each a
// directory of metadata signed here over @tufjs/canonical-json (what tuf-js verifies against),
// plus the oracle: tuf-js's Updater run on the same URL. Keys are ed25519 and ecdsa P-256 only:
// tuf-js checks every ECDSA signature over SHA-256, so a nistp384 key (sha384, as python-tuf
// signs) would make the oracle disagree; tests/unit/trust/tuf_test.c covers nistp384.
// Usage:
//   node tuf-repo.js build OUTDIR            writes OUTDIR/<scenario>/... and OUTDIR/scenarios.json
//   node tuf-repo.js serve DIR PORTFILE      static files of DIR on 127.0.0.1 (stops after 600 s)
//   node tuf-repo.js oracle URL METADIR OUT  tuf-js: refresh, then download trusted_root.json to
//                                            OUT; prints "ok <sha256>" or "refused <Error>: msg"
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { canonicalize } = require('@tufjs/canonical-json');

const DAY = 86400 * 1000;
const iso = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const FUTURE = iso(Date.now() + 365 * DAY);
const PAST = iso(Date.now() - DAY);

function mkKey(kind) {
  const pair = kind === 'ed25519'
    ? crypto.generateKeyPairSync('ed25519')
    : crypto.generateKeyPairSync('ec', { namedCurve: kind === 'ecdsa384' ? 'P-384' : 'P-256' });
  let json;
  if (kind === 'ed25519') {
    const raw = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    json = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw.toString('hex') } };
  } else {
    json = {
      keytype: 'ecdsa',
      scheme: kind === 'ecdsa384' ? 'ecdsa-sha2-nistp384' : 'ecdsa-sha2-nistp256',
      keyval: { public: pair.publicKey.export({ format: 'pem', type: 'spki' }) },
    };
  }
  const id = crypto.createHash('sha256').update(canonicalize(json)).digest('hex');
  const md = kind === 'ed25519' ? null : kind === 'ecdsa384' ? 'sha384' : 'sha256';
  return { id, json, sign: (data) => crypto.sign(md, data, pair.privateKey).toString('hex') };
}

function signDoc(signed, signers) {
  const data = Buffer.from(canonicalize(signed));
  return { signatures: signers.map((k) => ({ keyid: k.id, sig: k.sign(data) })), signed };
}

const bytes = (doc) => Buffer.from(JSON.stringify(doc, null, 1));
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');

function rootSigned(version, roles, { expires = FUTURE, consistent = true } = {}) {
  const keys = {};
  const r = {};
  for (const [name, { keys: ks, threshold }] of Object.entries(roles)) {
    for (const k of ks) keys[k.id] = k.json;
    r[name] = { keyids: ks.map((k) => k.id), threshold };
  }
  return {
    _type: 'root', spec_version: '1.0.31', version, expires, consistent_snapshot: consistent,
    keys, roles: r,
  };
}

// The keys every repository shares; an attacker holds `evil` only.
const K = {
  root1: mkKey('ed25519'), root2: mkKey('ecdsa'), root3: mkKey('ecdsa'),
  ts: mkKey('ecdsa'), ts2: mkKey('ed25519'), snap: mkKey('ecdsa'), tgt: mkKey('ed25519'),
  evil: mkKey('ed25519'),
};
const top = path.resolve(__dirname, '../..');
const TARGET = fs.readFileSync(path.join(top, 'tests/fuzz/corpus/trusted_root/public-good.json'));
const TARGET2 = fs.readFileSync(path.join(top, 'tests/fuzz/corpus/trusted_root/staging.json'));

function rolesV(v, o = {}) {
  const ts = { keys: [o.tsKey || K.ts], threshold: 1 };
  const rest = { timestamp: ts, snapshot: { keys: [K.snap], threshold: 1 }, targets: { keys: [K.tgt], threshold: 1 } };
  if (v === 1) return { root: { keys: [K.root1], threshold: 1 }, ...rest };
  if (v === 2) return { root: { keys: [K.root1, K.root2], threshold: 2 }, ...rest };
  return { root: { keys: [K.root2, K.root3], threshold: 2 }, ...rest };
}

// A whole repository. `o` bends one thing at a time, the way each attack needs.
function build(dir, o = {}) {
  const consistent = o.consistent !== false;
  const nroots = o.roots || 3;
  fs.mkdirSync(path.join(dir, 'targets'), { recursive: true });
  const rootDocs = [];
  for (let v = 1; v <= nroots; v++) {
    const signed = rootSigned(v, rolesV(v, o), {
      expires: v === nroots && o.rootExpired ? PAST : FUTURE, consistent,
    });
    if (o.rootVersionLie === v) signed.version = v + 1;
    const own = rolesV(v, o).root.keys;
    const prev = v > 1 ? rolesV(v - 1, o).root.keys : [];
    let signers = [...new Set([...prev, ...own])];
    if (o.rootSigners && o.rootSigners[v]) signers = o.rootSigners[v];
    rootDocs.push(signDoc(signed, signers));
  }
  rootDocs.forEach((d, i) => fs.writeFileSync(path.join(dir, `${i + 1}.root.json`), bytes(d)));

  const target = o.target || TARGET;
  const tv = o.targetsVersion || 1;
  const targets = signDoc({
    _type: 'targets', spec_version: '1.0.31', version: tv, expires: o.targetsExpired ? PAST : FUTURE,
    targets: { 'trusted_root.json': { length: target.length, hashes: { sha256: sha256(target) } } },
  }, [K.tgt]);
  let targetsBytes = bytes(targets);
  let targetsListed = targetsBytes;
  if (o.mixTargets) { // a validly signed targets.json of the same version and size, not the one listed
    const evil = Buffer.from(target);
    evil[evil.length - 3] ^= 0x01;
    const other = signDoc({ ...targets.signed, targets: { 'trusted_root.json': { length: evil.length, hashes: { sha256: sha256(evil) } } } }, [K.tgt]);
    targetsBytes = bytes(other);
  }
  const sv = o.snapshotVersion || 1;
  const snapshot = signDoc({
    _type: 'snapshot', spec_version: '1.0.31', version: o.snapshotVersionLie || sv,
    expires: o.snapshotExpired ? PAST : FUTURE,
    meta: { 'targets.json': { version: tv, length: targetsListed.length, hashes: { sha256: sha256(targetsListed) } } },
  }, [K.snap]);
  let snapshotBytes = bytes(snapshot);
  const snapListedLen = snapshotBytes.length;
  if (o.snapshotOversized) snapshotBytes = Buffer.concat([snapshotBytes, Buffer.alloc(4096, 0x20)]);
  const timestamp = signDoc({
    _type: 'timestamp', spec_version: '1.0.31', version: o.timestampVersion || 1,
    expires: o.timestampExpired ? PAST : FUTURE,
    meta: { 'snapshot.json': { version: sv, length: snapListedLen, hashes: { sha256: sha256(bytes(snapshot)) } } },
    ...(o.timestampPadding ? { 'x-padding': 'p'.repeat(o.timestampPadding) } : {}),
  }, o.timestampSigners || [o.tsKey || K.ts]);
  fs.writeFileSync(path.join(dir, 'timestamp.json'), bytes(timestamp));
  fs.writeFileSync(path.join(dir, consistent ? `${sv}.snapshot.json` : 'snapshot.json'), snapshotBytes);
  fs.writeFileSync(path.join(dir, consistent ? `${tv}.targets.json` : 'targets.json'), targetsBytes);
  let served = target;
  if (o.targetTampered) { served = Buffer.from(target); served[served.length - 3] ^= 0x01; }
  if (o.targetOversized) served = Buffer.concat([target, Buffer.alloc(100000, 0x20)]);
  fs.writeFileSync(path.join(dir, 'targets', consistent ? `${sha256(target)}.trusted_root.json` : 'trusted_root.json'), served);
  return rootDocs[0];
}

// name → steps run in order against one state directory: [dir options, expected, why]
const scenarios = {
  'good': [[{}, 'ok']],
  'good-plain': [[{ consistent: false }, 'ok']],
  'good-single-root': [[{ roots: 1 }, 'ok']],
  'root-threshold-old-keys': [[{ rootSigners: { 3: [K.root2, K.root3] } }, 'refused', '1 of the root role']],
  'root-threshold-new-keys': [[{ rootSigners: { 3: [K.root1, K.root2] } }, 'refused', 'new root keys']],
  'root-attacker-key': [[{ rootSigners: { 2: [K.evil] } }, 'refused', 'threshold is 1']],
  'root-version-mismatch': [[{ rootVersionLie: 2 }, 'refused', 'holds version 3']],
  'root-expired': [[{ rootExpired: true }, 'refused', 'root.json version 3 expired']],
  'timestamp-expired': [[{ timestampExpired: true }, 'refused', 'timestamp.json version 1 expired']],
  'snapshot-expired': [[{ snapshotExpired: true }, 'refused', 'snapshot.json version 1 expired']],
  'targets-expired': [[{ targetsExpired: true }, 'refused', 'targets.json version 1 expired']],
  'timestamp-threshold': [[{ timestampSigners: [K.evil] }, 'refused', 'timestamp role']],
  'timestamp-oversized': [[{ timestampPadding: 20000 }, 'refused', 'more than 16384 bytes']],
  'snapshot-oversized': [[{ snapshotOversized: true }, 'refused', 'more than']],
  'mix-snapshot-version': [[{ snapshotVersion: 2, snapshotVersionLie: 1 }, 'refused', 'mix-and-match']],
  'mix-targets-hash': [[{ mixTargets: true }, 'refused', 'targets.json: sha256']],
  'target-tampered': [[{ targetTampered: true }, 'refused', 'target trusted_root.json: sha256']],
  'target-oversized': [[{ targetOversized: true }, 'refused', 'longer than']],
  'rollback-timestamp': [[{ timestampVersion: 2 }, 'ok'], [{ timestampVersion: 1 }, 'refused', 'rollback']],
  'rollback-snapshot': [[{ timestampVersion: 1, snapshotVersion: 3 }, 'ok'],
                        [{ timestampVersion: 2, snapshotVersion: 2 }, 'refused', 'rollback']],
  'rollback-targets': [[{ timestampVersion: 1, snapshotVersion: 1, targetsVersion: 3 }, 'ok'],
                       [{ timestampVersion: 2, snapshotVersion: 2, targetsVersion: 2 }, 'refused', 'rollback']],
  'rotate-timestamp-key': [[{ timestampVersion: 7 }, 'ok'], [{ tsKey: K.ts2, timestampVersion: 1, roots: 4 }, 'ok']],
  'update-target': [[{}, 'ok'], [{ timestampVersion: 2, snapshotVersion: 2, targetsVersion: 2, target: TARGET2 }, 'ok']],
};

function cmdBuild(out) {
  const list = [];
  for (const [name, steps] of Object.entries(scenarios)) {
    steps.forEach(([o, expect, why], i) => {
      const dir = path.join(out, name, String(i));
      const root1 = build(dir, o);
      if (i === 0) fs.writeFileSync(path.join(out, name, 'root.json'), bytes(root1));
      list.push({ name, step: i, dir: `${name}/${i}`, expect, why: why || '' });
    });
  }
  fs.writeFileSync(path.join(out, 'scenarios.json'), JSON.stringify(list));
  // scenarios.tsv for the shell: name step dir expect why
  fs.writeFileSync(path.join(out, 'scenarios.tsv'),
    list.map((s) => [s.name, s.step, s.dir, s.expect, s.why].join('\t')).join('\n') + '\n');
}

function cmdServe(dir, portFile) {
  const server = http.createServer((req, res) => {
    const p = path.normalize(decodeURIComponent(req.url.split('?')[0]));
    const file = path.join(dir, p);
    // An empty path segment is a 404, as object stores answer it (no silent normalising).
    if (req.url.includes('//') || !file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(fs.readFileSync(file));
  });
  server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
  setTimeout(() => process.exit(0), 600 * 1000).unref();
  process.on('SIGTERM', () => process.exit(0));
}

async function cmdOracle(url, metaDir, out) {
  const { Updater } = require('tuf-js');
  const targetDir = path.dirname(out);
  try {
    const u = new Updater({ metadataBaseUrl: url, targetBaseUrl: `${url}/targets`, metadataDir: metaDir, targetDir });
    await u.refresh();
    const info = await u.getTargetInfo('trusted_root.json');
    if (!info) throw new Error('trusted_root.json not found');
    const got = await u.downloadTarget(info, out);
    console.log(`ok ${sha256(fs.readFileSync(got))}`);
  } catch (e) {
    console.log(`refused ${e.constructor.name}: ${e.message}`);
    process.exitCode = 1;
  }
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === 'build') cmdBuild(path.resolve(rest[0]));
else if (cmd === 'serve') cmdServe(path.resolve(rest[0]), rest[1]);
else if (cmd === 'oracle') cmdOracle(rest[0], rest[1], path.resolve(rest[2]));
else { process.stderr.write('usage: tuf-repo.js build OUTDIR | serve DIR PORTFILE | oracle URL METADIR OUT\n'); process.exit(2); }
