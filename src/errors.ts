/**
 * Typed errors and the one table that turns them into exit codes. The codes are the AWS CLI's, so
 * wrappers written for `aws sso login` / `aws configure sso` keep working unchanged.
 */
export const ExitCode = {
  ok: 0,
  cancelled: 130,
  usage: 252,
  configuration: 253,
  service: 254,
  other: 255,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class SsoSetupError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags or values, or a prompt that would be needed where nobody can answer it. */
export class UsageError extends SsoSetupError {
  readonly exitCode = ExitCode.usage;
}

/** The config file or the caches do not allow the command: unknown profile, missing keys, bad syntax. */
export class ConfigError extends SsoSetupError {
  readonly exitCode = ExitCode.configuration;
}

/** The service answered with an error. `code` is the AWS error shape name. */
export class ServiceError extends SsoSetupError {
  readonly exitCode = ExitCode.service;
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The person pressed Ctrl-C or closed the prompt. Nothing has been written. */
export class CancelledError extends SsoSetupError {
  readonly exitCode = ExitCode.cancelled;
  constructor(message = "Cancelled.") {
    super(message);
  }
}

/**
 * A failure that is neither the user's input nor a service error code: an expired authorization, an
 * unreachable endpoint, no accounts to pick. The AWS CLI reports these with 255 as well.
 */
export class FlowError extends SsoSetupError {
  readonly exitCode = ExitCode.other;
}

/**
 * Not a failure: the command is over and the process ends with this code, printing nothing more
 * (exec ends with its child's exit code, whatever it is).
 */
export class ExitWith extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = "ExitWith";
  }
}

export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof SsoSetupError ? error.exitCode : ExitCode.other;
}
