// GraphQL over HTTP conformance: runs graphql-http's server audits against a GraphQL endpoint.
//   node audit.mjs http://127.0.0.1:8080/graphql
// One line per audit: ok/FAIL, its id, its name (which starts with MUST, SHOULD or MAY) and, for a
// failure, the reason. Exits 1 if a MUST or SHOULD audit fails; MAY failures are only printed.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql-url>');
  process.exit(2);
}

const audits = serverAudits({ url, fetchFn: globalThis.fetch });
const counts = { ok: 0, MUST: 0, SHOULD: 0, MAY: 0 };
for (const audit of audits) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // A fatal error (e.g. the server is not there): counts as a failure of that audit.
    result = { id: audit.id, name: audit.name, status: 'error', reason: `threw: ${err?.cause?.message ?? err?.message ?? err}` };
  }
  const level = audit.name.split(' ')[0];
  if (result.status === 'ok') {
    counts.ok += 1;
    console.log(`ok   ${audit.id} ${audit.name}`);
  } else {
    counts[level] = (counts[level] ?? 0) + 1;
    let detail = '';
    if (result.response) {
      let body = '';
      try {
        body = await result.response.clone().text();
      } catch {
        // the audit read it already
      }
      detail = ` [HTTP ${result.response.status} ${result.response.headers.get('content-type') ?? '-'}${body ? ` ${JSON.stringify(body.slice(0, 200))}` : ''}]`;
    }
    console.log(`FAIL ${audit.id} ${audit.name}: ${String(result.reason).replace(/\s+/g, ' ')}${detail}`);
  }
}

const failed = counts.MUST + counts.SHOULD;
console.log(
  `audits: ${counts.ok} ok, ${counts.MUST} MUST failed, ${counts.SHOULD} SHOULD failed, ${counts.MAY} MAY failed (of ${audits.length})`,
);
process.exit(failed > 0 ? 1 : 0);
