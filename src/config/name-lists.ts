/**
 * The names `completion --list` prints, one a line, for the completion scripts to offer at each Tab.
 * Apart from the completion command so the Tab path loads neither commander nor the script templates.
 */
import type { Deps } from "../deps.js";
import { resolveAwsPaths } from "./paths.js";

export const NAME_LISTS = ["profiles", "sso-sessions"] as const;
export type NameList = (typeof NAME_LISTS)[number];

/** Nothing at all when the config cannot be read or parsed: errors in a command line are worse than no candidates. */
export async function listNames(list: NameList, configFile: string | undefined, deps: Pick<Deps, "env" | "homedir" | "configSummaries">): Promise<string> {
  try {
    const paths = resolveAwsPaths({ env: deps.env, homedir: deps.homedir, configFileFlag: configFile });
    const { summary } = await deps.configSummaries.load(paths.configFile);
    const names = list === "profiles" ? summary.profileNames : summary.ssoSessionNames;
    // A name with a line break would split into two candidates; no real profile has one.
    const candidates = names.filter((name) => name !== "" && !name.includes("\n") && !name.includes("\r"));
    return candidates.length === 0 ? "" : `${candidates.join("\n")}\n`;
  } catch {
    return "";
  }
}
