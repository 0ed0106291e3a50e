// Node 20 module hook: @actions/workflow-parser imports its JSON schema files without
// `with { type: "json" }`, which Node 20 requires; this adds the attribute (Node 22 does not
// need it).
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.endsWith('.json')) return { ...r, importAttributes: { type: 'json' }, format: 'json' };
  return r;
}
export async function load(url, context, next) {
  if (url.endsWith('.json')) return next(url, { ...context, importAttributes: { type: 'json' } });
  return next(url, context);
}
