#!/usr/bin/env node
// A loopback stand-in for the kube-apiserver's Secret endpoint, for kube_secrets_test.sh (Debian
// has no kube-apiserver). HTTPS; GET /api/v1/namespaces/<ns>/secrets/<name> answered as the API
// does: the Secret JSON (200), or a v1 Status with the API's shapes for 401 (missing or wrong
// Bearer token), 403 (namespace not in --allow: what RBAC without a RoleBinding there says) and
// 404. GET /stats → {"requests":N,"secrets":N,"denied":N}.
// Usage: node kube-api.js --key K.pem --cert C.pem --token-file T --secrets FILE.json
//        --allow ns1,ns2 --port-file FILE
// FILE.json: {"<ns>/<name>": <Secret object>, ...}
'use strict';
const fs = require('fs');
const https = require('https');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['key', 'cert', 'token-file', 'secrets', 'allow', 'port-file']) {
  if (!args[k]) { process.stderr.write(`kube-api: missing --${k}\n`); process.exit(2); }
}
const token = fs.readFileSync(args['token-file'], 'utf8').trim();
const secrets = JSON.parse(fs.readFileSync(args.secrets, 'utf8'));
const allow = new Set(args.allow.split(','));
const stats = { requests: 0, secrets: 0, denied: 0 };
const user = 'system:serviceaccount:driftgate-system:driftgate';

function status(res, code, reason, message, details) {
  const body = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) body.details = details;
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = https.createServer({ key: fs.readFileSync(args.key), cert: fs.readFileSync(args.cert) }, (req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  stats.requests++;
  const auth = req.headers.authorization || '';
  if (auth !== `Bearer ${token}`) {
    stats.denied++;
    status(res, 401, 'Unauthorized', 'Unauthorized');
    return;
  }
  const m = /^\/api\/v1\/namespaces\/([a-z0-9.-]+)\/secrets\/([a-z0-9.-]+)$/.exec(req.url);
  if (req.method !== 'GET' || !m) {
    status(res, 404, 'NotFound', 'the server could not find the requested resource');
    return;
  }
  const [, ns, name] = m;
  if (!allow.has(ns)) {
    stats.denied++;
    status(res, 403, 'Forbidden',
      `secrets "${name}" is forbidden: User "${user}" cannot get resource "secrets" in API group "" in the namespace "${ns}"`,
      { name, kind: 'secrets' });
    return;
  }
  const s = secrets[`${ns}/${name}`];
  if (!s) {
    status(res, 404, 'NotFound', `secrets "${name}" not found`, { name, kind: 'secrets' });
    return;
  }
  stats.secrets++;
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(s));
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(args['port-file'], String(server.address().port)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
