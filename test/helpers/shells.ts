/**
 * Real shells running sso-setup's completion scripts, as a person's shell would: `sso-setup` is found
 * on PATH (a wrapper around the built CLI, run by the Node that runs the tests), the script is loaded
 * the way the README says, and completion is asked for the way each shell asks for it.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as pty from "node-pty";
import { CLI } from "./cli.js";
import { stripAnsi } from "./pty.js";

/** Writes `<dir>/bin/sso-setup` and returns the environment that finds it first on PATH. */
export function shellEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  const bin = path.join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  // process.execPath, not `node`: under CI's Node 22 and 24 runs the CLI must run on that Node.
  writeFileSync(path.join(bin, "sso-setup"), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
  chmodSync(path.join(bin, "sso-setup"), 0o755);
  const home = path.join(dir, "home");
  mkdirSync(home, { recursive: true });
  return {
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: home,
    // fish keeps history and universal variables under these; keep them out of the real home.
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_DATA_HOME: path.join(home, ".local/share"),
    ...extra,
  };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * What bash completes for `words` (the last one is the word under the cursor), calling the function
 * that the script registered with `complete -F` exactly as bash's readline would: COMP_* set, and the
 * command name, current word and previous word as arguments.
 */
export async function bashComplete(words: string[], env: Record<string, string>, cwd: string): Promise<string[]> {
  const script = `
    source <(sso-setup completion bash) || exit 90
    spec=$(complete -p sso-setup) || exit 91
    fn=\${spec##*-F }; fn=\${fn%% *}
    COMP_WORDS=("$@")
    COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
    COMP_LINE="\${COMP_WORDS[*]}"
    COMP_POINT=\${#COMP_LINE}
    COMP_TYPE=9
    "$fn" sso-setup "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
    (( \${#COMPREPLY[@]} )) && printf '%s\\n' "\${COMPREPLY[@]}"
    exit 0`;
  const r = await run("bash", ["--noprofile", "--norc", "-c", script, "bash", ...words], env, cwd);
  if (r.code !== 0 || r.stderr !== "") throw new Error(`bash completion failed (${r.code}): ${r.stderr}`);
  return r.stdout.split("\n").filter(Boolean);
}

/** What fish completes for the command line `line` (cursor at its end): the candidates, without descriptions. */
export async function fishComplete(scriptFile: string, line: string, env: Record<string, string>, cwd: string): Promise<string[]> {
  const r = await run("fish", ["--no-config", "-c", "source $argv[1]; and complete -C $argv[2]", scriptFile, line], env, cwd);
  if (r.code !== 0 || r.stderr !== "") throw new Error(`fish completion failed (${r.code}): ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t")[0]!);
}

/**
 * An interactive zsh in a pseudo-terminal with compinit loaded and the script sourced: zsh only
 * completes inside its line editor, so Tab is really pressed and the listing read off the screen.
 */
export interface ZshSession {
  /**
   * Types `line` and Tab; resolves with the screen text that followed once every pattern matches it
   * (the listing arrives in pieces, so wait for all of what is checked).
   */
  tab(line: string, expect: RegExp | RegExp[]): Promise<string>;
  close(): Promise<void>;
}

const PROMPT = "zsh-ready> ";

export async function startZsh(scriptFile: string, env: Record<string, string>, cwd: string): Promise<ZshSession> {
  const child = pty.spawn("zsh", ["-f", "-i"], { name: "dumb", cols: 300, rows: 50, cwd, env: { ...env, TERM: "dumb" } });
  let screen = "";
  let from = 0;
  const waiters = new Set<() => void>();
  child.onData((data) => {
    screen += data;
    waiters.forEach((w) => w());
  });
  const exited = new Promise<void>((resolve) => child.onExit(() => resolve()));
  const waitFor = (pattern: RegExp | RegExp[], what: string) =>
    new Promise<string>((resolve, reject) => {
      const patterns = [pattern].flat();
      const check = () => {
        const text = stripAnsi(screen.slice(from)).replace(/[\r\x07]/g, "");
        if (!patterns.every((p) => p.test(text))) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(text);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`zsh: timed out waiting for ${what} (${patterns.join(", ")}). Screen:\n${stripAnsi(screen.slice(from))}`));
      }, 10_000);
      waiters.add(check);
      check();
    });

  // -u: the temp directories are not "insecure" to us; -D: no dump file to write.
  child.write(`PS1='${PROMPT}'; autoload -Uz compinit && compinit -u -D && source '${scriptFile}' && print -r -- loaded-ok\r`);
  await waitFor(/^loaded-ok$/m, "the script to load");
  return {
    async tab(line, expect) {
      // Ctrl-U clears whatever the line editor holds; then wait for a fresh prompt before typing.
      from = screen.length;
      child.write("\x15\r");
      await waitFor(new RegExp(`${PROMPT}$`), "a prompt");
      from = screen.length;
      child.write(`${line}\t`);
      return waitFor(expect, `completions of "${line}"`);
    },
    async close() {
      child.write("\x15exit\r");
      const timer = setTimeout(() => child.kill(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
