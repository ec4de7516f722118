/**
 * A real browser for the end-to-end tests: Debian's Chromium, headless, driven by playwright-core
 * (which downloads no browser of its own). `.ci/run` installs Chromium with apt-get when it is missing.
 *
 * sso-setup opens the browser itself through BROWSER; a test needs the page under its own control, so
 * BROWSER is a recorder that writes down the URL, and the test opens that URL in Chromium: the person
 * reads the URL sso-setup opened, not one the test built.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { ROOT } from "./cli.js";

export const CHROMIUM = "/usr/bin/chromium";
/** Where screenshots go for a person to look at; test-output/ is git-ignored and kept by CI. */
export const SCREENSHOT_DIR = path.join(ROOT, "test-output", "screenshots");

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start. The rest keep a test
    // run from reaching anything but 127.0.0.1 (updates, sync, QUIC probes) and from needing a GPU.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface UrlRecorder {
  /** The BROWSER value: a command that writes the URL it is given to a file and returns at once. */
  command: string;
  /** The URL sso-setup opened; rejects if `giveUp` settles first (the CLI exited) or after `timeoutMs`. */
  url(giveUp: Promise<unknown>, timeoutMs?: number): Promise<string>;
}

export function urlRecorder(dir: string): UrlRecorder {
  const command = path.join(dir, "record-url");
  const file = path.join(dir, "opened-url");
  // Written to a temp name and renamed, so a reader never sees half a URL.
  writeFileSync(command, `#!/bin/sh\nprintf '%s' "$1" > '${file}.tmp' && mv '${file}.tmp' '${file}'\n`);
  chmodSync(command, 0o755);
  return {
    command,
    url(giveUp, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        let done = false;
        const finish = (error: Error | undefined, url?: string) => {
          if (done) return;
          done = true;
          clearInterval(poll);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve(url!);
        };
        const poll = setInterval(() => {
          if (existsSync(file)) finish(undefined, readFileSync(file, "utf8"));
        }, 25);
        const timer = setTimeout(() => finish(new Error(`sso-setup opened no URL within ${timeoutMs} ms`)), timeoutMs);
        void giveUp.then(
          (result) =>
            existsSync(file)
              ? finish(undefined, readFileSync(file, "utf8"))
              : finish(new Error(`sso-setup finished before opening a URL: ${JSON.stringify(result)}`)),
          (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
        );
      });
    },
  };
}
