/**
 * The URLs of console sign-in, pure: which sign-in host federates for a region, which console page a
 * session lands on, and the IAM Identity Center shortcut link. Hosts per partition are those of
 * daily-use.md §1.2 (AWS Sign-In endpoint table, cross-checked against Granted, aws-sso-cli, aws-vault).
 */
import { UsageError } from "../errors.js";

interface Partition {
  name: "aws" | "aws-us-gov" | "aws-cn" | "aws-eusc";
  /** The region whose sign-in host has no region prefix. */
  home: string;
  signinDomain: string;
  consoleDomain: string;
  /** Commercial consoles live at <region>.console…; the others are reached at one global host. */
  regionalConsole: boolean;
}

const PARTITIONS: readonly Partition[] = [
  { name: "aws-us-gov", home: "us-gov-west-1", signinDomain: "signin.amazonaws-us-gov.com", consoleDomain: "console.amazonaws-us-gov.com", regionalConsole: false },
  { name: "aws-cn", home: "cn-north-1", signinDomain: "signin.amazonaws.cn", consoleDomain: "console.amazonaws.cn", regionalConsole: false },
  { name: "aws-eusc", home: "eusc-de-east-1", signinDomain: "signin.amazonaws-eusc.eu", consoleDomain: "console.amazonaws-eusc.eu", regionalConsole: false },
  { name: "aws", home: "us-east-1", signinDomain: "signin.aws.amazon.com", consoleDomain: "console.aws.amazon.com", regionalConsole: true },
];

const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

export function partitionOf(region: string): Partition {
  if (region.startsWith("us-gov-")) return PARTITIONS[0]!;
  if (region.startsWith("cn-")) return PARTITIONS[1]!;
  if (region.startsWith("eusc-")) return PARTITIONS[2]!;
  return PARTITIONS[3]!;
}

export function checkRegion(region: string): string {
  if (!REGION.test(region)) throw new UsageError(`"${region}" is not an AWS region name (for example us-east-1, eu-west-1).`);
  return region;
}

/**
 * The federation endpoint for a region: the partition's bare host for its home region, else the
 * regional one. AWS_ENDPOINT_URL_SIGNIN replaces scheme and host (how tests reach the emulator).
 */
export function federationEndpoint(region: string, override: string | undefined): string {
  if (override) return `${override.replace(/\/+$/, "")}/federation`;
  const p = partitionOf(region);
  return `https://${region === p.home ? "" : `${region}.`}${p.signinDomain}/federation`;
}

function consoleOrigin(region: string): string {
  const p = partitionOf(region);
  return `https://${p.regionalConsole ? `${region}.` : ""}${p.consoleDomain}`;
}

/**
 * Short names people type, to the console's path for them (Granted's service map, checked against
 * the console's own URLs). Anything else is used as the path as it is.
 */
export const SERVICE_PATHS: Readonly<Record<string, string>> = {
  acm: "acm",
  apigateway: "apigateway",
  athena: "athena",
  billing: "billing",
  cloudformation: "cloudformation",
  cfn: "cloudformation",
  cloudfront: "cloudfront/v4",
  cloudtrail: "cloudtrail",
  cloudwatch: "cloudwatch",
  cw: "cloudwatch",
  codebuild: "codesuite/codebuild",
  codepipeline: "codesuite/codepipeline",
  ce: "cost-management",
  dynamodb: "dynamodbv2",
  ddb: "dynamodbv2",
  ec2: "ec2/v2",
  ecr: "ecr",
  ecs: "ecs/v2",
  eks: "eks",
  elasticache: "elasticache",
  eventbridge: "events",
  glue: "glue",
  iam: "iamv2",
  kinesis: "kinesis",
  kms: "kms",
  lambda: "lambda",
  logs: "cloudwatch",
  organizations: "organizations/v2",
  orgs: "organizations/v2",
  rds: "rds",
  route53: "route53/v2",
  r53: "route53/v2",
  s3: "s3",
  secretsmanager: "secretsmanager",
  sm: "secretsmanager",
  sns: "sns/v3",
  sqs: "sqs/v3",
  ssm: "systems-manager",
  param: "systems-manager/parameters",
  sso: "singlesignon",
  stepfunctions: "states",
  sfn: "states",
  vpc: "vpcconsole",
  waf: "wafv2",
};
/** Pages that are the same for every region: no region in the host or the query. */
const GLOBAL_PATHS = new Set(["iamv2", "billing", "cost-management", "organizations/v2", "route53/v2", "cloudfront/v4"]);

const SERVICE_NAME = /^[a-z0-9][a-z0-9/-]*$/;

/** The console page the session lands on: the region's console home, or a service's home. */
export function consoleDestination(region: string, service?: string): string {
  if (service === undefined) return `${consoleOrigin(region)}/console/home?region=${region}`;
  const name = service.trim().toLowerCase();
  if (!SERVICE_NAME.test(name)) {
    throw new UsageError(`"${service}" is not a console service name: use letters, digits, "-" and "/" (for example s3, ec2, lambda).`);
  }
  const servicePath = SERVICE_PATHS[name] ?? name;
  if (GLOBAL_PATHS.has(servicePath)) return `https://${partitionOf(region).consoleDomain}/${servicePath}/home`;
  return `${consoleOrigin(region)}/${servicePath}/home?region=${region}`;
}

/**
 * A --destination given in full: https, and a console host of one of the partitions (the multi-
 * session hosts <account>-<id>.<region>.console… included), so the sign-in link can never take
 * whoever opens it anywhere else.
 */
export function checkDestination(destination: string): string {
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    throw new UsageError(`--destination "${destination}" is not a URL; give a full console URL such as https://us-east-1.console.aws.amazon.com/s3/home`);
  }
  const host = url.hostname.toLowerCase();
  const consoleHost = PARTITIONS.some((p) => host === p.consoleDomain || host.endsWith(`.${p.consoleDomain}`));
  if (url.protocol !== "https:" || !consoleHost || url.username || url.password || url.port) {
    throw new UsageError(
      `--destination must be an https URL on an AWS console host (console.aws.amazon.com, <region>.console.aws.amazon.com, console.amazonaws-us-gov.com, console.amazonaws.cn, console.amazonaws-eusc.eu); got "${destination}".`,
    );
  }
  return url.href;
}

export const MIN_DURATION_MINUTES = 15;
export const MAX_DURATION_MINUTES = 720;

/**
 * SessionDuration in seconds, or undefined when it must not be sent: only when asked for, and never
 * for role-chained credentials, which the federation endpoint refuses it for (aws-sso-cli#1205).
 */
export function sessionDurationSeconds(minutes: number | undefined, kind: "sso" | "assume-role" | "static"): number | undefined {
  if (minutes === undefined) return undefined;
  if (!Number.isInteger(minutes) || minutes < MIN_DURATION_MINUTES || minutes > MAX_DURATION_MINUTES) {
    throw new UsageError(`--duration must be a whole number of minutes from ${MIN_DURATION_MINUTES} to ${MAX_DURATION_MINUTES}; got ${minutes}.`);
  }
  if (kind !== "sso") {
    throw new UsageError(
      "--duration applies only to a profile's own SSO role credentials: the sign-in service refuses it for role-chained credentials, whose console session lasts as long as they do (at most an hour). Leave --duration out.",
    );
  }
  return minutes * 60;
}

/** Step B of the federation protocol: the link that signs the browser in (a bearer secret for 15 minutes). */
export function loginUrl(endpoint: string, input: { issuer: string; destination: string; signinToken: string }): string {
  const query = new URLSearchParams({ Action: "login", Issuer: input.issuer, Destination: input.destination, SigninToken: input.signinToken });
  return `${endpoint}?${query.toString()}`;
}

/**
 * The portal's shortcut link (daily-use.md §1.5): the browser's own Identity Center session signs in,
 * so no credentials pass through here, and it works with the console's multi-session mode.
 */
export function shortcutUrl(startUrl: string, input: { accountId: string; roleName: string; destination: string }): string {
  const base = startUrl.replace(/#.*$/, "").replace(/\/+$/, "");
  const query = new URLSearchParams({ account_id: input.accountId, role_name: input.roleName, destination: input.destination });
  return `${base}/#/console?${query.toString()}`;
}
