import { describe, expect, it } from "vitest";
import { describeEnvironment, readHostFacts, type Environment, type HostFacts } from "../../src/platform/environment.js";
import { chooseAuthFlow } from "../../src/sso/flow-choice.js";
import { wslBrowserCommands } from "../../src/ui/browser.js";

const NO_FACTS: HostFacts = { procVersion: "Linux version 6.8.0-45-generic (buildd@lcy02-amd64-075)", containerMarker: false };
const WSL_PROC = "Linux version 5.15.153.1-microsoft-standard-WSL2 (root@941d701f84f1) (gcc (GCC) 11.2.0)";

describe("describeEnvironment", () => {
  it.each<[string, Record<string, string>, HostFacts, Partial<Environment>]>([
    ["a desktop", { DISPLAY: ":0" }, NO_FACTS, { display: true, ssh: false, wsl: false, container: false, ci: false }],
    ["Wayland", { WAYLAND_DISPLAY: "wayland-0" }, NO_FACTS, { display: true }],
    ["SSH", { SSH_CONNECTION: "10.0.0.2 50000 10.0.0.1 22" }, NO_FACTS, { ssh: true, display: false }],
    ["SSH with a TTY only", { SSH_TTY: "/dev/pts/0" }, NO_FACTS, { ssh: true }],
    ["WSL by its variables", { WSL_DISTRO_NAME: "Ubuntu" }, NO_FACTS, { wsl: true }],
    ["WSL by /proc/version", {}, { procVersion: WSL_PROC, containerMarker: false }, { wsl: true }],
    ["Docker", {}, { procVersion: null, containerMarker: true }, { container: true }],
    ["Podman/systemd-nspawn", { container: "podman" }, NO_FACTS, { container: true }],
    ["Kubernetes", { KUBERNETES_SERVICE_HOST: "10.96.0.1" }, NO_FACTS, { container: true }],
    ["CI=true", { CI: "true" }, NO_FACTS, { ci: true }],
    ["CI=1", { CI: "1" }, NO_FACTS, { ci: true }],
    ["CI=false", { CI: "false" }, NO_FACTS, { ci: false }],
    ["Codespaces", { CODESPACES: "true" }, NO_FACTS, { codespaces: true }],
  ])("%s", (_name, env, facts, expected) => {
    expect(describeEnvironment(env, facts)).toMatchObject(expected);
  });

  it("reads its facts through the Fs port and treats unreadable files as absent", async () => {
    const files: Record<string, string> = { "/proc/version": WSL_PROC };
    const facts = await readHostFacts({
      readText: async (f) => files[f] ?? null,
      stat: async (f) => {
        if (f === "/run/.containerenv") throw Object.assign(new Error("EACCES"), { code: "EACCES" });
        return f === "/.dockerenv" ? { mode: 0o644, isFile: true, isDirectory: false } : null;
      },
    });
    expect(facts).toEqual({ procVersion: WSL_PROC, containerMarker: true });
  });
});

const env = (over: Partial<Environment> = {}): Environment => ({
  wsl: false,
  ssh: false,
  display: false,
  container: false,
  ci: false,
  codespaces: false,
  ...over,
});

describe("chooseAuthFlow", () => {
  const choose = (over: Partial<Parameters<typeof chooseAuthFlow>[0]>) =>
    chooseAuthFlow({ legacy: false, useDeviceCode: false, browserConfigured: false, environment: env(), ...over });

  it("uses the authorization-code flow for an sso-session on an ordinary machine", () => {
    expect(choose({})).toEqual({ flow: "pkce" });
    expect(choose({ environment: env({ display: true }) })).toEqual({ flow: "pkce" });
  });

  it("uses the device flow, silently, for legacy profiles and --use-device-code", () => {
    expect(choose({ legacy: true })).toEqual({ flow: "device" });
    expect(choose({ useDeviceCode: true, environment: env({ display: true }) })).toEqual({ flow: "device" });
  });

  it("uses the device flow, with a reason, where no local browser can reach 127.0.0.1", () => {
    expect(choose({ environment: env({ ssh: true }) })).toEqual({ flow: "device", reason: "ssh" });
    expect(choose({ environment: env({ container: true }) })).toEqual({ flow: "device", reason: "container" });
    expect(choose({ environment: env({ codespaces: true }) })).toEqual({ flow: "device", reason: "codespaces" });
    expect(choose({ environment: env({ ci: true, display: true }) })).toEqual({ flow: "device", reason: "ci" });
  });

  it("keeps the browser flow where a browser runs here after all", () => {
    // X11 forwarding: the browser runs on the remote machine and can reach its loopback.
    expect(choose({ environment: env({ ssh: true, display: true }) })).toEqual({ flow: "pkce" });
    // A devcontainer's BROWSER helper opens the host browser and forwards the port.
    expect(choose({ browserConfigured: true, environment: env({ container: true }) })).toEqual({ flow: "pkce" });
    // WSL: the Windows browser reaches WSL's 127.0.0.1 through localhost forwarding.
    expect(choose({ environment: env({ wsl: true }) })).toEqual({ flow: "pkce" });
  });
});

describe("opening the Windows browser from WSL", () => {
  const url = "http://127.0.0.1:1/authorize?response_type=code&client_id=a'b&scopes=x%20y";

  it("tries wslview, then PowerShell with a single-quoted literal, then cmd.exe with ^-escaped metacharacters", () => {
    expect(wslBrowserCommands(url)).toEqual([
      ["wslview", [url]],
      [
        "powershell.exe",
        ["-NoProfile", "-NonInteractive", "-Command", "Start-Process 'http://127.0.0.1:1/authorize?response_type=code&client_id=a''b&scopes=x%20y'"],
      ],
      ["cmd.exe", ["/c", "start", '""', "http://127.0.0.1:1/authorize?response_type=code^&client_id=a'b^&scopes=x%20y"]],
    ]);
  });
});
