// Writes the introspection queries that the HTTP tests send, from graphql-js itself:
//   tests/http/fixtures/introspection.graphql          every option of this graphql version
//   tests/http/fixtures/introspection-default.graphql  getIntrospectionQuery() defaults
// (what GraphiQL, codegen tools and IDE plugins send). Run: node introspection.mjs
//
// graphql 16.15 also offers `experimentalDirectiveDeprecation` (`__Directive.isDeprecated`,
// `__Schema.directives(includeDeprecated:)`): not in the GraphQL spec and no GraphQL server but
// graphql-js knows it, so it is left out. `typeDepth` is kept at its default (9).
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getIntrospectionQuery, parse, version } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'http', 'fixtures');

const full = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});
const defaults = getIntrospectionQuery();

mkdirSync(fixtures, { recursive: true });
for (const [name, query] of [['introspection.graphql', full], ['introspection-default.graphql', defaults]]) {
  parse(query); // it is a document
  writeFileSync(join(fixtures, name), query);
  console.log(`wrote tests/http/fixtures/${name} (graphql ${version}, ${query.length} bytes)`);
}
