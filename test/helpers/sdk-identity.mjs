// Run as exec's child: the JS SDK's default provider chain, as any Node tool gets it, asks STS who it is.
//
// Usage: node sdk-identity.mjs [seconds]
// Without seconds: one GetCallerIdentity. With: one client calls it every 500 ms for that long (the
// SDK refreshes its credentials by itself when they near expiry). Prints one JSON line
// {calls, Arn, Account, sources, expirations}; exits 1 at the first failed call.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const seconds = Number(process.argv[2] ?? "0");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const client = new STSClient({ maxAttempts: 1 });
const sources = new Set();
const expirations = new Set();
const end = Date.now() + seconds * 1000;
let calls = 0;
let last;
try {
  do {
    last = await client.send(new GetCallerIdentityCommand({}));
    calls++;
    const credentials = await client.config.credentials();
    for (const source of Object.keys(credentials.$source ?? {})) sources.add(source);
    if (credentials.expiration) expirations.add(credentials.expiration.toISOString());
    if (seconds > 0) await sleep(500);
  } while (Date.now() < end);
  process.stdout.write(
    `${JSON.stringify({ calls, Arn: last.Arn, Account: last.Account, sources: [...sources], expirations: expirations.size })}\n`,
  );
} catch (error) {
  process.stdout.write(`${JSON.stringify({ calls, error: `${error?.name}: ${error?.message}` })}\n`);
  process.exitCode = 1;
} finally {
  client.destroy();
}
