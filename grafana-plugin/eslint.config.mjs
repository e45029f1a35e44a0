// Lint configuration of the plugin workspace (`npm run lint -w grafana-plugin`): the repository's
// rules (../eslint.config.js, which `npx eslint .` at the root applies to this folder as well)
// plus React's hook rules. The root run does not load this file (ESLint 9 uses one config).
import reactHooks from 'eslint-plugin-react-hooks';
import root from '../eslint.config.js';

export default [
  ...root,
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
];
