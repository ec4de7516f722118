/**
 * The page the browser shows after the authorization-code redirect reaches sso-setup's loopback
 * listener. A complete, self-contained document: no script, no external resources (the listener's
 * Content-Security-Policy allows inline styles only).
 */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, tone: "ok" | "error", heading: string, paragraphs: string[]): string {
  const color = tone === "ok" ? "#1d7a34" : "#b3261e";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #f4f5f7; color: #1b1f24; margin: 0; }
  main { max-width: 36rem; margin: 12vh auto; background: #fff; border-radius: 8px; padding: 2rem 2.5rem; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
  h1 { font-size: 1.4rem; margin-top: 0; color: ${color}; }
  p { line-height: 1.5; }
  .small { color: #57606a; font-size: .9rem; }
</style>
</head>
<body>
<main>
<h1 id="result" data-result="${tone}">${escapeHtml(heading)}</h1>
${paragraphs.map((p) => `<p>${p}</p>`).join("\n")}
<p class="small">sso-setup &middot; AWS IAM Identity Center sign-in</p>
</main>
</body>
</html>
`;
}

export const callbackPages = {
  success: (what: string) =>
    page("Signed in - sso-setup", "ok", "You are signed in", [
      `sso-setup received your authorization for ${escapeHtml(what)} and exchanged it for an access token.`,
      "You can close this tab and return to the terminal.",
    ]),

  failure: (reason: string) =>
    page("Sign-in failed - sso-setup", "error", "Sign-in failed", [
      escapeHtml(reason),
      "Nothing was saved. Return to the terminal for details, and run the command again to retry.",
    ]),

  alreadyDone: () =>
    page("Sign-in finished - sso-setup", "ok", "This sign-in has already finished", [
      "sso-setup is no longer waiting for this request. You can close this tab.",
    ]),

  notFound: () => page("Not found - sso-setup", "error", "Not found", ["This address is only used for the sign-in redirect."]),
};
