/**
 * How the AWS SDK for JavaScript reads the config file (@smithy/shared-ini-file-loader: parseIni and
 * getConfigData), which is not how botocore reads it: it splits lines on LF and CRLF only, cuts a
 * line at a `#` or `;` that follows whitespace, needs a header to end in `]`, takes `=` as the only
 * delimiter, keeps the case of keys, merges repeated sections, and prefers `[profile default]` to
 * `[default]`. sso-setup follows botocore; this reading exists to warn where the two part ways in a
 * section we write. test/unit/js-sdk-reading.test.ts checks it against the SDK's own parser.
 */

// Copied from parseIni, so that a name the SDK rejects is rejected here alike.
const PREFIX_KEY = /^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/;
const SECTION_TYPES = ["profile", "sso-session", "services"];
const BLOCKED = ["__proto__", "profile __proto__"];
const SEPARATOR = ".";

/** parseIni's key for a header line (`profile.dev`, `default`, `sso-session.s`), or undefined when it is not a header. */
export function jsSdkSectionKey(line: string): string | null | undefined {
  const trimmed = line.split(/(^|\s)[;#]/)[0]?.trim() ?? "";
  if (trimmed[0] !== "[" || trimmed[trimmed.length - 1] !== "]") return undefined;
  const name = trimmed.substring(1, trimmed.length - 1);
  const match = PREFIX_KEY.exec(name);
  if (!match) return name;
  const [, prefix = "", , value = ""] = match;
  // A header the SDK recognises but whose settings it drops.
  return SECTION_TYPES.includes(prefix) ? `${prefix}${SEPARATOR}${value}` : null;
}

export type JsSdkSections = Map<string, Record<string, string>>;

/** parseIni: every section's settings, repeated sections merged. Throws where the SDK throws. */
export function parseIniLikeJsSdk(text: string): JsSdkSections {
  const map: JsSdkSections = new Map();
  let current: string | null | undefined;
  let subSection: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.split(/(^|\s)[;#]/)[0]?.trim() ?? "";
    if (trimmed[0] === "[" && trimmed[trimmed.length - 1] === "]") {
      current = jsSdkSectionKey(trimmed);
      subSection = undefined;
      const name = trimmed.substring(1, trimmed.length - 1);
      if (BLOCKED.includes(name)) throw new Error(`Found invalid profile name "${name}"`);
      continue;
    }
    if (!current) continue;
    const eq = trimmed.indexOf("=");
    if (eq === 0 || eq === -1) continue;
    const name = trimmed.substring(0, eq).trim();
    const value = trimmed.substring(eq + 1).trim();
    if (value === "") {
      subSection = name;
      continue;
    }
    if (subSection && line.trimStart() === line) subSection = undefined;
    const values = map.get(current) ?? {};
    map.set(current, values);
    values[subSection ? `${subSection}${SEPARATOR}${name}` : name] = value;
  }
  return map;
}

/** The settings the JS SDK uses for a profile or SSO session (getConfigData), or undefined. */
export function jsSdkSection(
  sections: JsSdkSections,
  ref: { kind: "profile" | "sso-session"; name: string },
): Record<string, string> | undefined {
  if (ref.kind === "sso-session") return sections.get(`sso-session${SEPARATOR}${ref.name}`);
  const prefixed = sections.get(`profile${SEPARATOR}${ref.name}`);
  if (prefixed || ref.name !== "default") return prefixed;
  return sections.get("default");
}
