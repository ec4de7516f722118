// Tests must not see the developer's own AWS setup: a stray AWS_PROFILE or endpoint override would
// silently change what the code under test reads.
for (const key of Object.keys(process.env)) {
  if (key.startsWith("AWS_") || key === "BROWSER") delete process.env[key];
}
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
