/**
 * The network settings of one command run that come from files: the CA bundle the SDK clients trust,
 * and the client settings the SDK would otherwise look up itself (sdk-settings.ts). Proxies come from
 * the environment alone and are chosen per endpoint in clients.ts.
 *
 * Where the bundle comes from, first found wins (as botocore: the variable over the config):
 *   1. AWS_CA_BUNDLE;
 *   2. `ca_bundle` of the profile the command works with: its `--profile`, else AWS_PROFILE, else
 *      AWS_DEFAULT_PROFILE, else `default`;
 *   3. `ca_bundle` of `[default]`. botocore would stop at 2, but sso-setup also runs for profiles
 *      that do not exist yet (configure) or for no profile at all (`--sso-session`), and a TLS-
 *      inspecting proxy is a fact about the machine, which people record once, in [default].
 * The bundle replaces Node's built-in roots for these calls, as it replaces certifi's for the AWS CLI.
 */
import * as path from "node:path";
import { AwsConfig } from "../config/aws-config.js";
import { resolveAwsPaths } from "../config/paths.js";
import { profileFromEnv } from "../config/sso-target.js";
import { ConfigError } from "../errors.js";
import type { Fs } from "../platform/fs.js";
import { resolveEndpoints, resolveSdkSettings, type EndpointOverrides, type SdkSettings, type SettingsSource } from "./sdk-settings.js";

/** What the command line says about where the command works, recorded before its action runs. */
export interface CommandScope {
  profile?: string | undefined;
  configFile?: string | undefined;
}

export interface CaBundle {
  file: string;
  /** Where the setting was found, for messages and --debug. */
  source: string;
  pem: string;
}

export interface NetworkSettings {
  caBundle: CaBundle | undefined;
  /** Absent where no SDK client is built (a plain HTTPS request). */
  sdk?: SdkSettings | undefined;
  /** The configured endpoints (environment and config file); absent: AWS's. */
  endpoints?: EndpointOverrides | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

export async function resolveNetworkSettings(deps: { env: Env; homedir: string; fs: Fs }, scope: CommandScope): Promise<NetworkSettings> {
  const { config, profiles } = await profilesInScope(deps, scope);
  const sdk = resolveSdkSettings(deps.env, profiles);
  const endpoints = resolveEndpoints(deps.env, profiles, (name) => config.services(name));
  const found = findCaBundleSetting(deps.env, profiles);
  if (!found) return { caBundle: undefined, sdk, endpoints };
  const file = path.resolve(expandHome(found.value, deps.homedir));
  let pem: string | null;
  try {
    pem = await deps.fs.readText(file);
  } catch (error) {
    throw new ConfigError(`The CA bundle ${file} (${found.source}) could not be read: ${(error as Error).message}`, { cause: error });
  }
  if (pem === null) throw new ConfigError(`The CA bundle ${file} (${found.source}) does not exist.`);
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigError(`The CA bundle ${file} (${found.source}) holds no PEM certificate ("-----BEGIN CERTIFICATE-----").`);
  }
  return { caBundle: { file, source: found.source, pem }, sdk, endpoints };
}

/** The profile the command works with, then `[default]`: those of them the config has. */
async function profilesInScope(
  deps: { env: Env; homedir: string; fs: Fs },
  scope: CommandScope,
): Promise<{ config: AwsConfig; profiles: SettingsSource[] }> {
  const { configFile } = resolveAwsPaths({ env: deps.env, homedir: deps.homedir, configFileFlag: scope.configFile });
  const config = await AwsConfig.load(deps.fs, configFile);
  const name = profileFromEnv(scope.profile, deps.env) ?? "default";
  // configparser gives [DEFAULT]'s keys to every section that lacks them, and botocore reads them so.
  const defaults = config.defaults();
  const hasDefaults = Object.keys(defaults).length > 0;
  const profiles = (name === "default" ? ["default"] : [name, "default"]).flatMap((profile): SettingsSource[] => {
    const values = config.profile(profile);
    if (!values) return [];
    return [{ values: hasDefaults ? { ...defaults, ...values } : values, where: `profile "${profile}" in ${configFile}`, fallback: profile !== name }];
  });
  return { config, profiles };
}

function findCaBundleSetting(env: Env, profiles: readonly SettingsSource[]): { value: string; source: string } | undefined {
  const fromEnv = env.AWS_CA_BUNDLE?.trim();
  if (fromEnv) return { value: fromEnv, source: "from AWS_CA_BUNDLE" };
  for (const profile of profiles) {
    const value = profile.values.ca_bundle?.trim();
    if (value) return { value, source: `ca_bundle of ${profile.where}` };
  }
  return undefined;
}

function expandHome(file: string, home: string): string {
  if (file === "~") return home;
  if (file.startsWith("~/")) return path.join(home, file.slice(2));
  return file;
}
