/** Where the shared files live. Everything is derived from the injected env and home directory. */
import * as path from "node:path";

export interface AwsPaths {
  configFile: string;
  ssoCacheDir: string;
  cliCacheDir: string;
}

function expandHome(file: string, home: string): string {
  if (file === "~") return home;
  if (file.startsWith("~/") || file.startsWith(`~${path.sep}`)) return path.join(home, file.slice(2));
  return file;
}

export function resolveAwsPaths(input: {
  env: Record<string, string | undefined>;
  homedir: string;
  configFileFlag?: string | undefined;
}): AwsPaths {
  // The token cache has no override in any SDK: it is always under the home directory.
  const home = input.homedir;
  const configured = input.configFileFlag ?? (input.env.AWS_CONFIG_FILE || undefined);
  return {
    configFile: path.resolve(expandHome(configured ?? path.join(home, ".aws", "config"), home)),
    ssoCacheDir: path.join(home, ".aws", "sso", "cache"),
    cliCacheDir: path.join(home, ".aws", "cli", "cache"),
  };
}

/** The paths a command works with: its --config-file, else the environment's, else the defaults. */
export function awsPaths(deps: { env: Readonly<Record<string, string | undefined>>; homedir: string }, configFileFlag: string | undefined): AwsPaths {
  return resolveAwsPaths({ env: deps.env, homedir: deps.homedir, configFileFlag });
}
