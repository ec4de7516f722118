// Kept in step with package.json by the --version test in test/e2e; a constant rather than a read
// of package.json, so `--version` costs no file access.
export const VERSION = "0.1.0";

/** Where bugs are reported: package.json's `bugs.url`, kept in step by test/e2e/package-install. */
export const ISSUES_URL = "https://github.com/sso-setup/sso-setup/issues";
