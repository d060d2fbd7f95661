#!/usr/bin/env node
// Prints the `docker run` arguments that run a manifest's pod template the way the kubelet would:
// its first container's image, command (ENTRYPOINT), args and env, with $(VAR) references
// expanded as Kubernetes does. Where no cluster exists, the end-to-end test runs the agents' Indexed
// Job this way, one container per completion index. One argument per line:
//   node pod-as-docker.mjs FILE KIND [JOB_COMPLETION_INDEX] [NAME=VALUE...]
// NAME=VALUE overrides an env value of the manifest (the run's START_AT, say).
import { loadDocuments } from "./check-manifests.mjs";

const [file, kind, index, ...overrides] = process.argv.slice(2);
if (!file || !kind) {
  console.error("usage: node pod-as-docker.mjs FILE KIND [JOB_COMPLETION_INDEX] [NAME=VALUE...]");
  process.exit(2);
}
const doc = loadDocuments([file]).find(({ doc: d }) => d.kind === kind)?.doc;
const container = doc?.spec?.template?.spec?.containers?.[0];
if (!container) {
  console.error(`pod-as-docker: no ${kind} with a container in ${file}`);
  process.exit(1);
}

const env = new Map();
if (kind === "Job" && doc.spec.completionMode === "Indexed") {
  if (index === undefined) {
    console.error("pod-as-docker: an Indexed Job's pod needs its JOB_COMPLETION_INDEX");
    process.exit(2);
  }
  env.set("JOB_COMPLETION_INDEX", index);
}
for (const e of container.env ?? []) {
  if (e.value === undefined) {
    console.error(`pod-as-docker: env ${e.name} has no plain value (valueFrom is not emulated)`);
    process.exit(1);
  }
  env.set(e.name, e.value);
}
for (const o of overrides) {
  const at = o.indexOf("=");
  env.set(o.slice(0, at), o.slice(at + 1));
}
// Kubernetes expands $(NAME) from the container's env; $$(NAME) stays literal.
const expand = (s) => s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name) => (m === "$$" ? "$" : env.has(name) ? env.get(name) : m));

const out = [];
for (const [name, value] of env) out.push("-e", `${name}=${value}`);
const command = (container.command ?? []).map(expand);
if (command.length) out.push("--entrypoint", command[0]);
out.push(container.image, ...command.slice(1), ...(container.args ?? []).map(expand));
for (const arg of out) {
  if (arg.includes("\n")) {
    console.error(`pod-as-docker: an argument holds a newline: ${JSON.stringify(arg)}`);
    process.exit(1);
  }
}
console.log(out.join("\n"));
