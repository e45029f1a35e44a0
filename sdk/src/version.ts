/** Kept in step with package.json by hand; reported as the instrumentation scope version. */
export const SDK_VERSION = '0.1.0';
