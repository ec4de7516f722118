/**
 * `export-credentials`' action, apart from its flags (commands/export-credentials.ts) because it is a
 * hot path: SDKs run it through credential_process at every client start, and hot-paths.ts runs it
 * without loading commander.
 */
import type { Deps } from "../deps.js";
import { CancelledError, ConfigError, ServiceError } from "../errors.js";
import { formatCredentials, type CredentialFormat, type Credentials } from "./formatters.js";
import { InvalidCredentialsError } from "./validate.js";
import { AssumeRoleError, resolveCredentials } from "./resolver.js";

export interface ExportCredentialsOptions {
  profile: string | undefined;
  format: CredentialFormat;
  configFile: string | undefined;
}

export async function runExportCredentials(opts: ExportCredentialsOptions, deps: Deps): Promise<void> {
  let credentials: Credentials;
  try {
    ({ credentials } = await resolveCredentials({ profile: opts.profile, configFile: opts.configFile, allowSignIn: true }, deps));
  } catch (error) {
    if (error instanceof CancelledError || deps.signal.aborted) throw error;
    // The AWS CLI's wording and exit code (253) for every failure of this command.
    const reason = error instanceof Error ? error.message.trim() : String(error);
    // A role the service refused is its answer, not the config's fault: 254 lets a script tell a
    // denied role from a broken profile (the AWS CLI says 253 for both).
    if (error instanceof AssumeRoleError || error instanceof InvalidCredentialsError) {
      throw new ServiceError(`Unable to retrieve credentials: ${reason}`, error.code, { cause: error });
    }
    throw new ConfigError(`Unable to retrieve credentials: ${reason}`, { cause: error });
  }
  deps.io.out.write(formatCredentials(credentials, opts.format));
}
