/**
 * Which authorization flow a sign-in uses. The AWS CLI uses the authorization-code flow for every
 * sso-session unless told `--use-device-code`, and then waits ten minutes for a redirect that can
 * never arrive when the browser runs on another machine (aws-cli#9098, #10242). sso-setup picks the
 * device flow by itself where no local browser can reach the loopback listener, and says why.
 */
import type { Environment } from "../platform/environment.js";
import type { AuthFlow } from "./login-flow.js";

export type DeviceFlowReason = "ci" | "ssh" | "container" | "codespaces";

export interface FlowChoice {
  flow: AuthFlow;
  /** Set when the device flow was chosen although the authorization-code flow is the default here. */
  reason?: DeviceFlowReason;
}

export function chooseAuthFlow(input: {
  /** Legacy profiles (no sso-session) always use the device flow, as in the AWS CLI. */
  legacy: boolean;
  useDeviceCode: boolean;
  /** BROWSER names the browser to run: trusted to run on this machine, so its redirect can arrive. */
  browserConfigured: boolean;
  environment: Environment;
}): FlowChoice {
  if (input.legacy || input.useDeviceCode) return { flow: "device" };
  const env = input.environment;
  if (env.ci) return { flow: "device", reason: "ci" };
  if (input.browserConfigured) return { flow: "pkce" };
  // Under WSL the Windows browser reaches WSL's 127.0.0.1 through localhost forwarding.
  if (env.wsl) return { flow: "pkce" };
  if (env.display) return { flow: "pkce" };
  if (env.codespaces) return { flow: "device", reason: "codespaces" };
  if (env.ssh) return { flow: "device", reason: "ssh" };
  if (env.container) return { flow: "device", reason: "container" };
  return { flow: "pkce" };
}
