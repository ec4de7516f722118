import { sendStsError } from "./errors.js";
import { escapeXml, sendXml, type Exchange, type HandlerContext } from "./http.js";
import { stableHex } from "./ids.js";

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

export function handleGetCallerIdentity(ex: Exchange, ctx: HandlerContext): void {
  const accessKeyId = callerAccessKeyId(ex);
  const issued = accessKeyId === undefined ? undefined : ctx.state.roleCredentials.get(accessKeyId);
  if (!issued) {
    sendStsError(ex, 403, "InvalidClientTokenId", "The security token included in the request is invalid.");
    return;
  }
  if (ctx.now() >= issued.expiration) {
    sendStsError(ex, 400, "ExpiredToken", "The security token included in the request is expired");
    return;
  }
  const { accountId, roleName } = issued;
  const user = ctx.state.userName;
  // Identity Center names its roles AWSReservedSSO_<permission set>_<16 hex>; keep the suffix
  // stable per account and role so repeated calls show the same ARN.
  const suffix = stableHex(`${accountId}/${roleName}`, 16);
  const roleId = `AROA${stableHex(`role/${accountId}/${roleName}`, 17).toUpperCase()}`;
  sendXml(
    ex,
    200,
    `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n` +
      `  <GetCallerIdentityResult>\n` +
      `    <Arn>${escapeXml(`arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_${roleName}_${suffix}/${user}`)}</Arn>\n` +
      `    <UserId>${escapeXml(`${roleId}:${user}`)}</UserId>\n` +
      `    <Account>${accountId}</Account>\n` +
      `  </GetCallerIdentityResult>\n` +
      `  <ResponseMetadata>\n    <RequestId>${ex.requestId}</RequestId>\n  </ResponseMetadata>\n` +
      `</GetCallerIdentityResponse>\n`,
  );
}

/** Any other STS action: answer the way STS does, so the SDK raises a clear typed error. */
export function handleUnsupportedStsAction(ex: Exchange): void {
  const action = new URLSearchParams(ex.body).get("Action") ?? ex.query.get("Action") ?? "";
  sendStsError(ex, 400, "InvalidAction", `Could not find operation ${action || "(none)"} for version 2011-06-15 (the emulator serves only GetCallerIdentity)`);
}

export function stsAction(ex: { body: string; query: URLSearchParams }): string | null {
  return new URLSearchParams(ex.body).get("Action") ?? ex.query.get("Action");
}
