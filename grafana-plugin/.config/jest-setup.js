// Base per-test setup: DOM matchers.
import '@testing-library/jest-dom';
