/**
 * The emulator in a process of its own, for the benchmarks: the process being measured then shares
 * its CPU with nothing from the benchmark itself but the emulator's answers.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { createInterface } from "node:readline";

const EMULATOR = path.resolve(import.meta.dirname, "../emulator/cli.js");

export interface EmulatorProcess {
  url: string;
  stop(): Promise<void>;
}

/** Counts per API operation, as GET /_emulator/state reports them. */
export interface Counts {
  [operation: string]: { calls: number; throttled: number; faults: number };
}

/** Starts `dist/emulator/cli.js <args>` and resolves once it prints the URL it listens on. */
export async function startEmulatorProcess(args: string[] = []): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [EMULATOR, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the emulator exited with ${code} before listening`)));
  });
  const { url } = JSON.parse(firstLine) as { url: string };
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export async function emulatorCounts(url: string): Promise<Counts> {
  const response = await fetch(`${url}/_emulator/state`);
  return ((await response.json()) as { counts: Counts }).counts;
}
