// Kept in step with package.json by test/unit/version.test.ts; read at build time, not at run time,
// so `--version` costs no file read.
export const VERSION = "0.1.0";
