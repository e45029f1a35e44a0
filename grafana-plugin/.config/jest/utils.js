/* global module */
// For jest's transformIgnorePatterns: transform these ESM-only packages inside node_modules.
const nodeModulesToTransform = (moduleNames) => `node_modules/(?!(${moduleNames.join('|')})/)`;

// Nested dependencies of Grafana's packages that only ship ES modules.
const grafanaESModules = [
  'ol',
  'react-colorful',
  'react-calendar',
  '@wojtekmaj',
  'get-user-locale',
  'memoize',
  'mimic-function',
  '@grafana/react-data-grid',
  'd3',
  'd3-.*',
  'internmap',
  'delaunator',
  'robust-predicates',
  'earcut',
  'pbf',
  'quick-lru',
  'quickselect',
  'rbush',
  'marked',
  'uwrap',
  'flatted',
  '@ungap',
  'uuid',
  // msw 2 and its dependencies
  'rettime',
  'until-async',
  '@open-draft',
  'type-fest',
  'tagged-tag',
];

module.exports = { nodeModulesToTransform, grafanaESModules };
