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

export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof SsoSetupError ? error.exitCode : ExitCode.other;
}

/**
 * The filesystem refused (permissions, a directory where a file belongs, a read-only or full disk, a
 * FIFO as the config file). Never a bug in sso-setup: one line that names the path and the reason.
 * 253, like the AWS CLI's refusals of files it cannot use; 255 when the disk filled up or failed
 * while writing (the file is left as it was).
 */
export class FileSystemError extends SsoSetupError {
  readonly exitCode: ExitCode;
  /** The errno name (EACCES, ENOSPC…), or our own for refusals the system does not make (ENOTREG, EFBIG). */
  readonly code: string;
  constructor(
    /** What was being done, as a verb phrase: "read", "write", "create the directory". */
    readonly action: string,
    readonly path: string,
    /** Why, in words, without the path: "permission denied (EACCES)". */
    readonly reason: string,
    options: { code: string; cause?: unknown },
  ) {
    super(`Cannot ${action} ${path}: ${reason}.${FILE_SYSTEM_ADVICE[options.code] ?? ""}`, options);
    this.code = options.code;
    this.exitCode = OUT_OF_SPACE.has(options.code) ? ExitCode.other : ExitCode.configuration;
  }
}

/** The disk, not the file, is the problem; what was being written is left as it was. */
const OUT_OF_SPACE = new Set(["ENOSPC", "EDQUOT", "EFBIG", "EIO"]);

const FILE_SYSTEM_REASONS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  ENOENT: "no such file or directory",
  EEXIST: "a file is in the way",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "the file would exceed the file size limit",
  EIO: "input/output error",
  EROFS: "the file system is read-only",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "the name is too long",
  EBUSY: "the file is busy",
  ETXTBSY: "the file is busy",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
};

const FILE_SYSTEM_ADVICE: Readonly<Record<string, string>> = {
  ENOSPC: " Nothing was changed; free some space and run the command again.",
  EDQUOT: " Nothing was changed; free some space and run the command again.",
  EFBIG: " Nothing was changed.",
  EROFS: " Point AWS_CONFIG_FILE (or HOME) at a writable place, or remount it read-write.",
};

/**
 * A Node system error (it has an errno `code`) as a FileSystemError naming `file`; anything else is
 * returned as it is.
 */
export function fileSystemError(error: unknown, action: string, file: string): unknown {
  if (error instanceof SsoSetupError || !(error instanceof Error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code !== "string" || !/^E[A-Z]+$/.test(code)) return error;
  return new FileSystemError(action, file, `${FILE_SYSTEM_REASONS[code] ?? "the system refused"} (${code})`, { code, cause: error });
}
