/**
 * Which profiles the client settings and endpoints come from (network.ts over sdk-settings.ts), read
 * from a real config file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeFs } from "../../src/platform/fs.js";
import { resolveNetworkSettings } from "../../src/sso/network.js";

let dir: string;
let configFile: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "sso-setup-network-"));
  configFile = path.join(dir, "config");
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const settings = (text: string, profile?: string, env: Record<string, string> = {}) => {
  writeFileSync(configFile, text);
  return resolveNetworkSettings({ env: { AWS_CONFIG_FILE: configFile, ...env }, homedir: dir, fs: nodeFs }, { profile });
};

describe("resolveNetworkSettings", () => {
  it("reads the command's profile, then [default]; AWS_PROFILE when there is no --profile", async () => {
    const text = "[default]\nmax_attempts = 2\nretry_mode = adaptive\n[profile dev]\nmax_attempts = 5\n[profile other]\nmax_attempts = 7\n";
    expect((await settings(text, "dev")).sdk).toMatchObject({ maxAttempts: 5, retryMode: "adaptive" });
    expect((await settings(text, undefined, { AWS_PROFILE: "other" })).sdk).toMatchObject({ maxAttempts: 7, retryMode: "adaptive" });
    expect((await settings(text, "missing")).sdk).toMatchObject({ maxAttempts: 2, retryMode: "adaptive" });
    expect((await settings(text)).sdk).toMatchObject({ maxAttempts: 2 });
  });

  it("gives [DEFAULT]'s keys to the profiles that lack them, as configparser does for botocore", async () => {
    const text = "[DEFAULT]\nmax_attempts = 4\nendpoint_url = http://127.0.0.1:4566\n[profile dev]\nregion = eu-west-1\n[profile own]\nmax_attempts = 6\n";
    const dev = await settings(text, "dev");
    expect(dev.sdk?.maxAttempts).toBe(4);
    expect(dev.endpoints).toEqual({ oidc: "http://127.0.0.1:4566", portal: "http://127.0.0.1:4566", sts: "http://127.0.0.1:4566" });
    expect((await settings(text, "own")).sdk?.maxAttempts).toBe(6);
  });

  it("takes endpoints from the command's profile only, never from [default] in its place", async () => {
    const text = "[default]\nendpoint_url = http://127.0.0.1:4566\n[profile dev]\nregion = eu-west-1\n";
    expect((await settings(text, "dev")).endpoints).toEqual({});
    expect((await settings(text, "missing")).endpoints).toEqual({});
    expect((await settings(text)).endpoints).toMatchObject({ oidc: "http://127.0.0.1:4566" });
  });

  it("reads a [services] section's nested endpoint_url", async () => {
    const text = "[profile dev]\nservices = local\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:8000\n";
    expect((await settings(text, "dev")).endpoints).toEqual({ oidc: "http://127.0.0.1:8000" });
  });
});
