import { sendStsError } from "./errors.js";
import { escapeXml, sendXml, type Exchange, type HandlerContext } from "./http.js";
import { randomAccessKeyId, randomSecret, stableHex } from "./ids.js";
import type { IssuedRoleCredentials } from "./state.js";

/** Is this an awsQuery (STS) call? Those are form posts to the endpoint root, whatever the base path. */
export function isStsRequest(method: string, contentType: string | undefined, query: URLSearchParams): boolean {
  if (query.has("Action")) return true;
  return method === "POST" && (contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
}

/** The access key ID from a SigV4 header (or a presigned URL). The signature itself is not checked. */
function callerAccessKeyId(ex: Exchange): string | undefined {
  const match = /Credential=([^/,\s]+)\//.exec(ex.req.headers.authorization ?? "");
  if (match) return match[1];
  return ex.query.get("X-Amz-Credential")?.split("/")[0];
}

/** Who is calling, from the access key of the request's signature; null once an error has been sent. */
function authenticateCaller(ex: Exchange, ctx: HandlerContext): IssuedRoleCredentials | null {
  const accessKeyId = callerAccessKeyId(ex);
  const issued = accessKeyId === undefined ? undefined : ctx.state.roleCredentials.get(accessKeyId);
  if (!issued) {
    sendStsError(ex, 403, "InvalidClientTokenId", "The security token included in the request is invalid.");
    return null;
  }
  if (ctx.now() >= issued.expiration) {
    sendStsError(ex, 400, "ExpiredToken", "The security token included in the request is expired");
    return null;
  }
  return issued;
}

/** The ARN and user ID STS reports for credentials the emulator issued. */
function identityOf(issued: IssuedRoleCredentials, userName: string): { arn: string; userId: string } {
  const { accountId, roleName } = issued;
  if (issued.mintedByAssumeRole) {
    const session = issued.sessionName ?? "session";
    return { arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${session}`, userId: `${roleIdOf(accountId, roleName)}:${session}` };
  }
  // Identity Center names its roles AWSReservedSSO_<permission set>_<16 hex>; keep the suffix
  // stable per account and role so repeated calls show the same ARN.
  const suffix = stableHex(`${accountId}/${roleName}`, 16);
  return {
    arn: `arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_${roleName}_${suffix}/${userName}`,
    userId: `${roleIdOf(accountId, roleName)}:${userName}`,
  };
}

function roleIdOf(accountId: string, roleName: string): string {
  return `AROA${stableHex(`role/${accountId}/${roleName}`, 17).toUpperCase()}`;
}

export function handleGetCallerIdentity(ex: Exchange, ctx: HandlerContext): void {
  const issued = authenticateCaller(ex, ctx);
  if (!issued) return;
  const { arn, userId } = identityOf(issued, ctx.state.userName);
  sendXml(
    ex,
    200,
    `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n` +
      `  <GetCallerIdentityResult>\n` +
      `    <Arn>${escapeXml(arn)}</Arn>\n` +
      `    <UserId>${escapeXml(userId)}</UserId>\n` +
      `    <Account>${issued.accountId}</Account>\n` +
      `  </GetCallerIdentityResult>\n` +
      `  <ResponseMetadata>\n    <RequestId>${ex.requestId}</RequestId>\n  </ResponseMetadata>\n` +
      `</GetCallerIdentityResponse>\n`,
  );
}

const ROLE_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** STS's own limit for a role assumed with credentials that came from another AssumeRole. */
const CHAINED_MAX_SECONDS = 3600;

/**
 * STS AssumeRole: any well-formed role ARN can be assumed by any caller the emulator issued
 * credentials to, unless the deniedRoleArns knob names it. The answer's lifetime is the
 * assumeRoleExpiresIn knob, else the DurationSeconds asked for, else one hour.
 */
export function handleAssumeRole(ex: Exchange, ctx: HandlerContext): void {
  const caller = authenticateCaller(ex, ctx);
  if (!caller) return;
  const params = new URLSearchParams(ex.body);
  const roleArn = params.get("RoleArn");
  const sessionName = params.get("RoleSessionName");
  const durationText = params.get("DurationSeconds");
  const invalid = (message: string) => sendStsError(ex, 400, "ValidationError", message);
  if (roleArn === null) return invalid("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
  if (sessionName === null) {
    return invalid("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
  }
  if (!SESSION_NAME.test(sessionName)) {
    return invalid(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64`,
    );
  }
  const duration = durationText === null ? undefined : Number(durationText);
  if (duration !== undefined && !(Number.isInteger(duration) && duration >= 900 && duration <= 43_200)) {
    return invalid(`1 validation error detected: Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`);
  }
  const match = ROLE_ARN.exec(roleArn);
  if (!match) return invalid(`${roleArn} is invalid: a role ARN looks like arn:aws:iam::123456789012:role/Name`);
  const [, accountId, roleName] = match as unknown as [string, string, string];
  const callerArn = identityOf(caller, ctx.state.userName).arn;
  if (ctx.state.deniedRoleArns.includes(roleArn)) {
    sendStsError(ex, 403, "AccessDenied", `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    return;
  }
  if (params.has("SerialNumber") && !/^\d{6}$/.test(params.get("TokenCode") ?? "")) {
    sendStsError(ex, 403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ");
    return;
  }
  if (duration !== undefined && caller.mintedByAssumeRole && duration > CHAINED_MAX_SECONDS) {
    return invalid("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  }
  if (duration !== undefined && duration > ctx.state.maxSessionDuration) {
    return invalid("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  }

  let accessKeyId = randomAccessKeyId();
  while (ctx.state.roleCredentials.has(accessKeyId)) accessKeyId = randomAccessKeyId();
  const lifetime = ctx.state.assumeRoleExpiresIn ?? duration ?? 3600;
  // Whole seconds: the wire format has none, and clients must expire exactly when the emulator does.
  const expiration = Math.floor((ctx.now() + lifetime * 1000) / 1000) * 1000;
  const secretAccessKey = randomSecret("", 30);
  const sessionToken = randomSecret("IQoJb3JpZ2luX2VjE", 300);
  const issued: IssuedRoleCredentials = { accessKeyId, secretAccessKey, sessionToken, accountId, roleName, expiration, mintedByAssumeRole: true, sessionName };
  ctx.state.roleCredentials.set(accessKeyId, issued);
  const { arn, userId } = identityOf(issued, ctx.state.userName);
  sendXml(
    ex,
    200,
    `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n` +
      `  <AssumeRoleResult>\n` +
      `    <AssumedRoleUser>\n      <AssumedRoleId>${escapeXml(userId)}</AssumedRoleId>\n      <Arn>${escapeXml(arn)}</Arn>\n    </AssumedRoleUser>\n` +
      `    <Credentials>\n` +
      `      <AccessKeyId>${accessKeyId}</AccessKeyId>\n` +
      `      <SecretAccessKey>${secretAccessKey}</SecretAccessKey>\n` +
      `      <SessionToken>${sessionToken}</SessionToken>\n` +
      `      <Expiration>${new Date(expiration).toISOString().replace(/\.\d{3}Z$/, "Z")}</Expiration>\n` +
      `    </Credentials>\n` +
      `  </AssumeRoleResult>\n` +
      `  <ResponseMetadata>\n    <RequestId>${ex.requestId}</RequestId>\n  </ResponseMetadata>\n` +
      `</AssumeRoleResponse>\n`,
  );
}

/** Any other STS action: answer the way STS does, so the SDK raises a clear typed error. */
export function handleUnsupportedStsAction(ex: Exchange): void {
  const action = new URLSearchParams(ex.body).get("Action") ?? ex.query.get("Action") ?? "";
  sendStsError(ex, 400, "InvalidAction", `Could not find operation ${action || "(none)"} for version 2011-06-15 (the emulator serves only GetCallerIdentity and AssumeRole)`);
}

export function stsAction(ex: { body: string; query: URLSearchParams }): string | null {
  return new URLSearchParams(ex.body).get("Action") ?? ex.query.get("Action");
}
