/* global module, require */
/* eslint-disable @typescript-eslint/no-require-imports -- jest loads these files as CommonJS */
// Extends the create-plugin base configuration (.config/jest.config.js).
const base = require('./.config/jest.config');

module.exports = {
  ...base,
  // The page tests render whole pages and type into forms (the longest takes 7 s alone, and four
  // times that on a machine loaded by other test suites); bounded, with room for a busy machine.
  testTimeout: 60000,
  // Print every test, then jest's summary as the last lines of the output.
  verbose: true,
  reporters: ['default', '<rootDir>/.config/jest/summary-reporter.js'],
};
