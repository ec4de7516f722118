/**
 * `npm run demo`: the whole `sso-setup configure` wizard against the local emulator, with no AWS
 * account. The emulator runs in this process; sso-setup runs as the real built CLI in a throwaway
 * HOME, so nothing touches your own ~/.aws. A stand-in person approves the sign-in in the "browser";
 * with --manual you approve it yourself on the emulator's page instead.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { sampleAccounts, startEmulator } from "./server.js";

const root = path.resolve(import.meta.dirname, "../..");
const cli = path.join(root, "bin", "sso-setup.cjs");
const person = path.join(root, "dist", "emulator", "person.js");

const args = process.argv.slice(2);
const manual = args.includes("--manual");
// The throwaway home is removed at the end unless --keep asks to look at it afterwards.
const keep = args.includes("--keep");
const passThrough = args.filter((a) => a !== "--manual" && a !== "--keep");
const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);

// Colour only on a terminal (or with FORCE_COLOR), and never with NO_COLOR (https://no-color.org).
const colour = !process.env.NO_COLOR && Boolean(process.stderr.isTTY || process.env.FORCE_COLOR);
const say = (text: string) => process.stderr.write(`${colour ? "\x1b[36m[demo]\x1b[0m" : "[demo]"} ${text}\n`);

function run(command: string, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { stdio: "inherit", env });
    // The wizard owns Ctrl-C; the demo only waits for it to finish.
    const ignore = () => undefined;
    process.on("SIGINT", ignore);
    child.on("close", (code) => {
      process.off("SIGINT", ignore);
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<number> {
  const emulator = await startEmulator({ accounts: sampleAccounts(), interval: 1 });
  const sandbox = mkdtempSync(path.join(tmpdir(), "sso-setup-demo-"));
  try {
    return await demo(emulator.url, sandbox);
  } finally {
    await emulator.close();
    if (keep) {
      say(`Kept the demo's files (--keep): ${sandbox}`);
    } else {
      rmSync(sandbox, { recursive: true, force: true, maxRetries: 5 });
      say(`Removed the demo's files (${sandbox}); run with --keep to look at them afterwards.`);
    }
  }
}

async function demo(emulatorUrl: string, sandbox: string): Promise<number> {
  const configFile = path.join(sandbox, ".aws", "config");
  chmodSync(person, 0o755);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: sandbox,
    AWS_CONFIG_FILE: configFile,
    AWS_ENDPOINT_URL_SSO_OIDC: emulatorUrl,
    AWS_ENDPOINT_URL_SSO: emulatorUrl,
    AWS_ENDPOINT_URL_STS: emulatorUrl,
    PERSON_DELAY_MS: "1500",
  };
  delete env.AWS_PROFILE;
  delete env.AWS_DEFAULT_PROFILE;
  delete env.AWS_ENDPOINT_URL;
  if (manual) delete env.BROWSER;
  else env.BROWSER = person;

  say(`IAM Identity Center emulator on ${emulatorUrl} with ${sampleAccounts().length} sample accounts.`);
  say(`Your files for this run live in ${sandbox} (your own ~/.aws is not touched).`);
  say(
    manual
      ? "Approve the sign-in yourself: open the URL sso-setup prints and press Allow."
      : "When sso-setup opens the browser, a stand-in person approves the request after 1.5 s.",
  );

  let configureArgs = ["configure", ...passThrough];
  if (!interactive && passThrough.length === 0) {
    // Without a terminal there is nobody to answer prompts: show the CI form of the same job.
    configureArgs = [
      "configure",
      "--profile",
      "demo",
      "--sso-session",
      "demo",
      "--start-url",
      "https://d-1234567890.awsapps.com/start",
      "--sso-region",
      "us-east-1",
      "--account-id",
      "333333333333",
      "--role-name",
      "PowerUserAccess",
      "--region",
      "eu-west-1",
      "--non-interactive",
    ];
    say(`No terminal: running the non-interactive form: sso-setup ${configureArgs.join(" ")}`);
  } else {
    say("Suggested answers: session name demo, start URL https://d-1234567890.awsapps.com/start, region us-east-1.");
  }
  process.stderr.write("\n");

  const code = await run(process.execPath, [cli, ...configureArgs], env);
  if (code === 0) {
    process.stderr.write("\n");
    say(`The config file sso-setup wrote (${configFile}):\n`);
    process.stdout.write(readFileSync(configFile, "utf8"));
    const cacheDir = path.join(sandbox, ".aws", "sso", "cache");
    say(`Token cache (${cacheDir}), shared with the AWS CLI: ${readdirSync(cacheDir).join(", ")}`);
    await proveWithSdk(configFile, sandbox, env);
  } else {
    say(`sso-setup exited with ${code}.`);
  }
  return code;
}

/** The AWS SDK's own credential chain reads what sso-setup wrote: the real proof it works. */
async function proveWithSdk(configFile: string, home: string, env: NodeJS.ProcessEnv): Promise<void> {
  const text = readFileSync(configFile, "utf8");
  const profile = /^\[(?:profile )?([^\]]+)\]/m.exec(text)?.[1];
  if (!profile) return;
  const script = `
    const { fromIni } = await import("@aws-sdk/credential-providers");
    const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
    const credentials = await fromIni({ profile: process.argv[1] })();
    const sts = new STSClient({ region: "us-east-1", credentials });
    const id = await sts.send(new GetCallerIdentityCommand({}));
    console.log(id.Arn);`;
  say(`Asking the AWS SDK's fromIni for profile "${profile}" and calling sts:GetCallerIdentity with it...`);
  const code = await run(process.execPath, ["--input-type=module", "-e", script, profile], {
    ...env,
    HOME: home,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  if (code !== 0) say("(the SDK check needs the dev dependencies: run `npm ci` first)");
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
