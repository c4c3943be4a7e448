// Renders newsroom's GraphiQL. Loaded by index.html after React, ReactDOM and GraphiQL (all
// vendored in this folder, see README.md); no inline script, so the page runs under a CSP of
// `script-src 'self'`.
(function () {
  'use strict';

  var defaultQuery = [
    '# Ctrl-Enter runs the query; the',
    '# book icon (top left) opens the docs.',
    '# Reads need no token. To write, open',
    '# Headers below and paste',
    '# {"Authorization": "Bearer <token>"}',
    '',
    '{',
    '  releases(first: 5) {',
    '    edges {',
    '      node {',
    '        title',
    '        language',
    '        slug',
    '        publishedAt',
    '      }',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  // Relative to the page's origin: the API that served this page.
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      // Tokens are not written to localStorage: paste them again in a new session.
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
})();
