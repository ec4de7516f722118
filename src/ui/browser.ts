/**
 * Opening the verification page. A failure here is never fatal: the URL is printed before we try.
 * The only module that imports `open` or spawns a browser.
 */

export interface Browser {
  /** Resolves true when a browser process was started. Never rejects. */
  open(url: string): Promise<boolean>;
}

/**
 * `BROWSER` is a list of commands separated by the platform's path delimiter, as Python's
 * `webbrowser` (and so the AWS CLI) reads it. An entry with `%s` has the URL put in its place;
 * otherwise the URL is the only argument. Commands are run directly, never through a shell, so a
 * URL can never be interpreted as shell syntax.
 */
export function browserCommands(browserEnv: string, url: string, delimiter: string): Array<[string, string[]]> {
  return browserEnv
    .split(delimiter)
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry): [string, string[]] => {
      if (entry.includes("%s")) {
        const words = entry.split(/\s+/).filter((w) => w !== "&");
        // A function, so that `$&`, `$'` or `` $` `` in the URL stay literal instead of expanding.
        const [command = "", ...args] = words.map((w) => w.replaceAll("%s", () => url));
        return [command, args];
      }
      return [entry, [url]];
    })
    .filter(([command]) => command.length > 0);
}

async function startDetached(command: string, args: string[]): Promise<boolean> {
  // Loaded on first use: most commands never open a browser.
  const { spawn } = await import("node:child_process");
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { stdio: "ignore", detached: true });
      child.once("error", () => resolve(false));
      child.once("spawn", () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

/**
 * Under WSL the browser to open is the Windows one. `wslview` (wslu) knows how; without it, Windows'
 * own launchers are reached through WSL interop. None of them goes through a shell that would read
 * the URL's `&` as a command separator: PowerShell gets the URL as a single-quoted literal, and
 * cmd.exe, the last resort, gets its metacharacters escaped with `^`.
 */
export function wslBrowserCommands(url: string): Array<[string, string[]]> {
  return [
    ["wslview", [url]],
    ["powershell.exe", ["-NoProfile", "-NonInteractive", "-Command", `Start-Process '${url.replaceAll("'", "''")}'`]],
    ["cmd.exe", ["/c", "start", '""', url.replace(/[\^&|<>()"]/g, "^$&")]],
  ];
}

async function startFirst(commands: Array<[string, string[]]>): Promise<boolean> {
  for (const [command, args] of commands) {
    if (await startDetached(command, args)) return true;
  }
  return false;
}

export function createSystemBrowser(options: {
  browserEnv: string | undefined;
  delimiter: string;
  /** Asked only when a browser is to be opened and BROWSER is not set. */
  isWsl: () => Promise<boolean>;
}): Browser {
  return {
    async open(url) {
      // The last guard: whatever the caller checked, a launcher never gets an option instead of a URL.
      if (url.startsWith("-") || !/^https?:\/\//i.test(url)) return false;
      if (options.browserEnv) return startFirst(browserCommands(options.browserEnv, url, options.delimiter));
      if (await options.isWsl()) return startFirst(wslBrowserCommands(url));
      try {
        const { default: open } = await import("open");
        const child = await open(url);
        child.once("error", () => undefined);
        return true;
      } catch {
        return false;
      }
    },
  };
}
