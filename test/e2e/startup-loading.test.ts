/** What starting the CLI loads: the fast paths must stay fast as commands are added. */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { roleCredentialsCacheKey } from "../../src/credentials/role-cache.js";
import { modulesInChunks } from "../helpers/bundle-meta.js";
import { makeSandbox } from "../helpers/cli.js";
import { runTracingModules } from "../helpers/module-trace.js";

const commandModules = (modules: string[]) => modules.filter((m) => /^src\/commands\/[^/]+\.ts$/.test(m));

describe("start-up", () => {
  it("answers --version and --help without loading commander or any command", async () => {
    const box = makeSandbox();
    try {
      for (const flag of ["--version", "--help"]) {
        const r = await runTracingModules([flag], box.env());
        expect(r.code).toBe(0);
        const modules = modulesInChunks(r.loaded);
        expect(modules).toContain("src/bin.ts");
        expect(modules.join("\n")).not.toContain("node_modules/commander/");
        expect(commandModules(modules)).toEqual([]);
      }
    } finally {
      box.cleanup();
    }
  });

  it("loads only the invoked command's module, and no SDK or prompt library for a local command", async () => {
    const box = makeSandbox();
    try {
      const r = await runTracingModules(["status"], box.env());
      expect(r.code).toBe(0);
      const modules = modulesInChunks(r.loaded);
      expect(commandModules(modules)).toEqual(["src/commands/status.ts"]);
      expect(modules.join("\n")).not.toMatch(/node_modules\/(@aws-sdk|@smithy|@inquirer|open)\//);
    } finally {
      box.cleanup();
    }
  });
});

describe("hot paths", () => {
  it("export-credentials with cached credentials and completion --list load neither commander, any command, nor the SDK", async () => {
    const box = makeSandbox();
    try {
      mkdirSync(path.dirname(box.configFile), { recursive: true });
      writeFileSync(
        box.configFile,
        "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\n\n[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n",
      );
      const cacheDir = path.join(box.home, ".aws", "cli", "cache");
      mkdirSync(cacheDir, { recursive: true });
      const key = roleCredentialsCacheKey({ accountId: "111111111111", roleName: "ReadOnly", sessionName: "corp", startUrl: "" });
      const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
      writeFileSync(
        path.join(cacheDir, `${key}.json`),
        JSON.stringify({ ProviderType: "sso", Credentials: { AccessKeyId: "ASIAEXAMPLEEXAMPLE", SecretAccessKey: "c2VjcmV0", SessionToken: "dG9rZW4=", Expiration: expiration } }),
      );
      for (const args of [["export-credentials", "--profile", "dev"], ["completion", "--list", "profiles"]]) {
        const r = await runTracingModules(args, box.env());
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(args[0] === "completion" ? /^dev\n$/ : /"AccessKeyId": "ASIAEXAMPLEEXAMPLE"/);
        const modules = modulesInChunks(r.loaded);
        expect(modules).toContain("src/hot-paths.ts");
        expect(commandModules(modules)).toEqual([]);
        expect(modules.join("\n")).not.toMatch(/node_modules\/(commander|@aws-sdk|@smithy|@inquirer|open|proper-lockfile)\//);
      }
    } finally {
      box.cleanup();
    }
  });

  it("leaves help, unknown flags and refused values to the full program", async () => {
    const box = makeSandbox();
    try {
      for (const args of [["export-credentials", "--help"], ["export-credentials", "--format", "yaml"], ["export-credentials", "--nope"], ["completion", "bash", "--list", "profiles"]]) {
        const r = await runTracingModules(args, box.env());
        expect(modulesInChunks(r.loaded).join("\n"), args.join(" ")).toContain("node_modules/commander/");
        expect(r.code, args.join(" ")).toBe(args[1] === "--help" ? 0 : 252);
      }
    } finally {
      box.cleanup();
    }
  });
});
