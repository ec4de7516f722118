import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateAccounts, sampleAccounts } from "./accounts.js";
import { startEmulator, type EmulatorOptions } from "./server.js";

// Standalone runner for the demo and benchmarks. It prints exactly one JSON line, {"url": ...},
// on stdout once listening, so a parent process can read the URL without parsing prose.

const USAGE = `Usage: node dist/emulator/cli.js [options]

Runs the IAM Identity Center emulator (SSO OIDC, SSO portal, STS) on 127.0.0.1 until SIGINT/SIGTERM.

Options:
  --port N                    port on 127.0.0.1 (default: a free one)
  --accounts N                serve N generated accounts (default: 5 sample accounts)
  --roles-per-account N       roles per generated account (default: 3)
  --interval S                device-code polling interval in seconds (default: 1)
  --auto-approve-after N      approve a device code after N pending polls (default: wait for a human)
  --throttle RATE[:BURST]     answer 429 beyond RATE requests/second across all API operations
  --start-url URL             accept only this start URL (repeatable; default: any)
  --token-expires-in S        access token lifetime in seconds (default: 28800)
  --device-code-expires-in S  device code lifetime in seconds (default: 600)
  --log-limit N               keep the newest N requests for GET /_emulator/requests (default: 10000)
  --help                      show this help

Once listening it prints {"url": "http://127.0.0.1:PORT"} on stdout, and on stderr how to point
sso-setup at it: the AWS_ENDPOINT_URL_* variables, and BROWSER set to a stand-in person who approves
every sign-in (dist/emulator/person.js).
`;

/** What to paste into another shell to use the emulator (stderr: stdout stays one JSON line). */
function pointingHelp(url: string, personPath: string): string {
  return (
    `IAM Identity Center emulator on ${url} (Ctrl-C to stop). To point sso-setup at it, in another shell:\n\n` +
    `  export AWS_ENDPOINT_URL_SSO_OIDC=${url} AWS_ENDPOINT_URL_SSO=${url} AWS_ENDPOINT_URL_STS=${url}\n` +
    `  export BROWSER=${personPath}   # a stand-in person who approves every sign-in\n` +
    "  sso-setup configure --start-url https://d-1234567890.awsapps.com/start --sso-region us-east-1\n\n" +
    "Any start URL is accepted unless --start-url limits them; use a throwaway HOME or AWS_CONFIG_FILE to keep your own ~/.aws out of it.\n"
  );
}


class ArgError extends Error {}

function integer(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ArgError(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function seconds(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new ArgError(`--${name} must be a number of seconds, got "${raw}"`);
  return value;
}

function parseCliOptions(argv: string[]): EmulatorOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        accounts: { type: "string" },
        "roles-per-account": { type: "string" },
        interval: { type: "string" },
        "auto-approve-after": { type: "string" },
        throttle: { type: "string" },
        "start-url": { type: "string", multiple: true },
        "token-expires-in": { type: "string" },
        "device-code-expires-in": { type: "string" },
        "log-limit": { type: "string" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    throw new ArgError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return "help";

  const options: EmulatorOptions = {};
  const port = integer("port", v.port, 0);
  if (port !== undefined) {
    if (port > 65_535) throw new ArgError(`--port must be at most 65535, got ${port}`);
    options.port = port;
  }
  const accountCount = integer("accounts", v.accounts, 0);
  const rolesPerAccount = integer("roles-per-account", v["roles-per-account"], 0);
  options.accounts = accountCount === undefined ? sampleAccounts() : generateAccounts(accountCount, rolesPerAccount ?? 3);
  const interval = seconds("interval", v.interval);
  if (interval !== undefined) options.interval = interval;
  const autoApprove = integer("auto-approve-after", v["auto-approve-after"], 0);
  if (autoApprove !== undefined) options.autoApproveAfterPolls = autoApprove;
  if (v.throttle !== undefined) {
    const match = /^(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(v.throttle);
    const rate = Number(match?.[1]);
    if (!match || !(rate > 0)) throw new ArgError(`--throttle must be RATE or RATE:BURST with RATE > 0, got "${v.throttle}"`);
    options.throttle = { all: { ratePerSecond: rate, burst: match[2] === undefined ? rate : Number(match[2]) } };
  }
  if (v["start-url"]) options.startUrls = v["start-url"];
  const tokenLifetime = seconds("token-expires-in", v["token-expires-in"]);
  if (tokenLifetime !== undefined) options.accessTokenExpiresIn = tokenLifetime;
  const deviceLifetime = seconds("device-code-expires-in", v["device-code-expires-in"]);
  if (deviceLifetime !== undefined) options.deviceCodeExpiresIn = deviceLifetime;
  // A long-running runner serves benchmarks of many thousands of calls; an unbounded log would grow without end.
  options.requestLogLimit = integer("log-limit", v["log-limit"], 0) ?? 10_000;
  return options;
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseCliOptions(argv);
  } catch (error) {
    if (!(error instanceof ArgError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const emulator = await startEmulator(options);
  process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`);
  process.stderr.write(pointingHelp(emulator.url, fileURLToPath(new URL("./person.js", import.meta.url))));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await emulator.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sso-setup emulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
