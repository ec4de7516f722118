import { escapeHtml } from "./http.js";

// Browser-facing pages. They are static HTML with plain forms (no script), so they work in any
// browser, in curl, and under Playwright, which finds the buttons by their ids "allow" and "deny".

const STYLE = `
  :root { color-scheme: light; --ink: #16191f; --muted: #5f6b7a; --line: #d1d5db; --accent: #ff9900; --accent-ink: #0f1b2a; }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: linear-gradient(160deg, #232f3e 0%, #0f1b2a 100%);
         font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); }
  main { width: min(440px, calc(100vw - 32px)); background: #fff; border-radius: 12px; padding: 32px; box-shadow: 0 24px 60px rgba(0,0,0,.35); }
  .brand { display: flex; align-items: center; gap: 8px; font-size: 13px; font-weight: 600; color: var(--muted); letter-spacing: .02em; margin-bottom: 20px; }
  .brand .mark { width: 22px; height: 22px; border-radius: 5px; background: var(--accent); display: inline-block; }
  .brand .tag { margin-left: auto; font-weight: 500; font-size: 11px; text-transform: uppercase; border: 1px solid var(--line); border-radius: 999px; padding: 1px 8px; }
  h1 { font-size: 22px; margin: 0 0 8px; }
  p { margin: 0 0 16px; color: var(--muted); }
  p strong { color: var(--ink); }
  .code { font: 600 28px/1 ui-monospace, "SF Mono", Menlo, Consolas, monospace; letter-spacing: .12em; text-align: center;
          padding: 18px; margin: 8px 0 20px; border: 1px dashed var(--line); border-radius: 8px; background: #f8fafc; }
  /* Allow comes first in the markup so it is the form's default button; row-reverse puts it on the right. */
  .actions { display: flex; flex-direction: row-reverse; gap: 12px; }
  button { flex: 1; font: inherit; font-weight: 600; padding: 11px 16px; border-radius: 8px; cursor: pointer; border: 1px solid var(--line); background: #fff; color: var(--ink); }
  button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); }
  button:hover { filter: brightness(.96); }
  button:focus-visible, input:focus-visible { outline: 3px solid #0972d3; outline-offset: 2px; }
  label { display: block; font-weight: 600; margin-bottom: 6px; }
  input[type=text] { width: 100%; font: 600 20px ui-monospace, Menlo, Consolas, monospace; letter-spacing: .1em; text-transform: uppercase;
                     padding: 10px 12px; border: 1px solid var(--line); border-radius: 8px; margin-bottom: 16px; }
  .notice { padding: 12px 14px; border-radius: 8px; margin-bottom: 16px; }
  .notice.error { background: #fff1f0; color: #a4160e; }
  .result { font-size: 17px; color: var(--ink); }
  .result.ok::before { content: "✓ "; color: #037f0c; font-weight: 700; }
  .result.no::before { content: "✕ "; color: #a4160e; font-weight: 700; }
  footer { margin-top: 24px; font-size: 12px; color: var(--muted); }
`;

function layout(title: string, body: string, head = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>${head}
<style>${STYLE}</style>
</head>
<body>
<main>
  <div class="brand"><span class="mark" aria-hidden="true"></span>AWS IAM Identity Center<span class="tag">local emulator</span></div>
${body}
  <footer>This page is served by the sso-setup emulator on 127.0.0.1. No real AWS account is involved.</footer>
</main>
</body>
</html>
`;
}

export function deviceConsentPage(opts: { userCode: string; clientName: string; startUrl: string; actionBase: string }): string {
  const code = escapeHtml(opts.userCode);
  return layout(
    "Authorize request",
    `  <h1>Authorize request</h1>
  <p><strong id="client-name">${escapeHtml(opts.clientName)}</strong> wants to access your AWS accounts through
     <strong>${escapeHtml(opts.startUrl)}</strong>.</p>
  <p>Check that this code matches the one shown in your terminal:</p>
  <div class="code" id="user-code">${code}</div>
  <form method="post" action="${escapeHtml(opts.actionBase)}/approve">
    <input type="hidden" name="user_code" value="${code}">
    <div class="actions">
      <button type="submit" id="allow" class="primary">Allow</button>
      <button type="submit" id="deny" formaction="${escapeHtml(opts.actionBase)}/deny">Deny</button>
    </div>
  </form>`,
  );
}

export function deviceCodeEntryPage(opts: { actionBase: string; error?: string; userCode?: string }): string {
  const error = opts.error ? `  <div class="notice error" role="alert">${escapeHtml(opts.error)}</div>\n` : "";
  return layout(
    "Enter code",
    `  <h1>Enter the code</h1>
${error}  <p>Type the code shown in your terminal to continue.</p>
  <form method="get" action="${escapeHtml(opts.actionBase)}">
    <label for="user_code">Code</label>
    <input type="text" id="user_code" name="user_code" autocomplete="off" autofocus placeholder="ABCD-EFGH" value="${escapeHtml(opts.userCode ?? "")}">
    <div class="actions"><button type="submit" id="next" class="primary">Next</button></div>
  </form>`,
  );
}

export function resultPage(title: string, message: string, outcome: "ok" | "no"): string {
  return layout(title, `  <h1>${escapeHtml(title)}</h1>\n  <p class="result ${outcome}" id="result">${escapeHtml(message)}</p>`);
}

export function authorizeConsentPage(opts: { clientName: string; scopes: string[]; requestId: string; actionBase: string }): string {
  const scopes = opts.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(", ");
  return layout(
    "Allow access",
    `  <h1>Allow access?</h1>
  <p><strong id="client-name">${escapeHtml(opts.clientName)}</strong> is asking for ${scopes || "access to your AWS accounts"}.</p>
  <form method="post" action="${escapeHtml(opts.actionBase)}/approve">
    <input type="hidden" name="request_id" value="${escapeHtml(opts.requestId)}">
    <div class="actions">
      <button type="submit" id="allow" class="primary">Allow</button>
      <button type="submit" id="deny" formaction="${escapeHtml(opts.actionBase)}/deny">Deny</button>
    </div>
  </form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return layout(title, `  <h1>${escapeHtml(title)}</h1>\n  <div class="notice error" role="alert">${escapeHtml(message)}</div>`);
}

/** Where Action=login lands: the emulator's stand-in for the console page the link was made for. */
export function consoleLandingPage(opts: { destination: string; accountId: string; roleName: string; issuer: string }): string {
  return layout(
    "AWS Management Console",
    `<h1>AWS Management Console</h1>
    <p class="result ok" id="signed-in">Signed in as <strong id="role">${escapeHtml(opts.roleName)}</strong> in account <strong id="account">${escapeHtml(opts.accountId)}</strong>.</p>
    <p>Destination: <strong id="destination">${escapeHtml(opts.destination)}</strong></p>
    <p>Issuer: <span id="issuer">${escapeHtml(opts.issuer)}</span></p>`,
  );
}

/**
 * The access portal's start page. Like the real one (as Granted reads it), it declares the instance's
 * region in a self-closing meta tag; sso-setup offers that region as the wizard's default.
 */
export function portalStartPage(opts: { region: string }): string {
  return layout(
    "AWS access portal",
    `  <h1>AWS access portal</h1>\n  <p>Sign in with <code>sso-setup login</code>; this emulated portal has no web sign-in.</p>`,
    `\n<meta name="region" content="${escapeHtml(opts.region)}"/>`,
  );
}
