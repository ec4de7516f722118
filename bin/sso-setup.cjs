#!/usr/bin/env node
// Plain JavaScript that any Node can parse, so that whatever stops sso-setup from starting (a Node too
// old, a package installed without its build) ends in one clear line and exit 1, never a stack trace
// with exit 0. CommonJS, like the bundle it starts: Node then never starts its ES module loader for
// the commands that run most (see src/bin.ts).
"use strict";
const path = require("node:path");

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`sso-setup: error: Node.js 20.19 or newer is required; this is Node.js ${process.versions.node}.\n`);
  process.exit(1);
}

const entry = path.join(__dirname, "..", "dist", "cli", "bin.cjs");
try {
  require(entry);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const missing = error && error.code === "MODULE_NOT_FOUND" && message.includes(entry);
  process.stderr.write(
    missing
      ? `sso-setup: error: this installation is incomplete: ${entry} is missing. In a clone, run \`npm run build\`; otherwise reinstall sso-setup.\n`
      : `sso-setup: error: sso-setup could not start: ${message}\n` +
          "This is a bug in sso-setup; please report it at https://github.com/sso-setup/sso-setup/issues with the command you ran.\n",
  );
  process.exit(1);
}
