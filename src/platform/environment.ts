/**
 * Where sso-setup is running, as far as signing in is concerned: can a browser on this machine reach
 * a listener on 127.0.0.1? Worked out from the environment and two or three files, read through the
 * Fs port, so the rules are a pure function that tests can feed.
 */
import type { Fs } from "./fs.js";

/** The few facts that need the filesystem. */
export interface HostFacts {
  /** /proc/version, which names Microsoft under WSL 1 and 2. */
  procVersion: string | null;
  /** /.dockerenv (Docker) or /run/.containerenv (Podman) exists. */
  containerMarker: boolean;
}

export interface Environment {
  wsl: boolean;
  ssh: boolean;
  /** An X11 or Wayland display: a local graphical browser can start. */
  display: boolean;
  container: boolean;
  ci: boolean;
  codespaces: boolean;
}

export async function readHostFacts(fs: Pick<Fs, "readText" | "stat">): Promise<HostFacts> {
  const safe = async <T>(read: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read();
    } catch {
      return fallback;
    }
  };
  const [procVersion, dockerenv, containerenv] = await Promise.all([
    safe(() => fs.readText("/proc/version"), null),
    safe(() => fs.stat("/.dockerenv"), null),
    safe(() => fs.stat("/run/.containerenv"), null),
  ]);
  return { procVersion, containerMarker: dockerenv !== null || containerenv !== null };
}

const set = (value: string | undefined) => value !== undefined && value !== "";
const truthy = (value: string | undefined) => set(value) && !/^(0|false|no)$/i.test(value!.trim());

export function describeEnvironment(env: Readonly<Record<string, string | undefined>>, facts: HostFacts): Environment {
  return {
    wsl: set(env.WSL_DISTRO_NAME) || set(env.WSL_INTEROP) || /microsoft/i.test(facts.procVersion ?? ""),
    ssh: set(env.SSH_CONNECTION) || set(env.SSH_CLIENT) || set(env.SSH_TTY),
    display: set(env.DISPLAY) || set(env.WAYLAND_DISPLAY),
    // systemd-nspawn and Podman set `container`; Kubernetes always injects its service host.
    container: facts.containerMarker || set(env.container) || set(env.KUBERNETES_SERVICE_HOST),
    ci: truthy(env.CI),
    codespaces: truthy(env.CODESPACES),
  };
}
