// The manifest check passes the shipped manifests and fails broken copies of them with a message
// that names the field. Run by CTest (k8s_manifests): node --test check-manifests.test.mjs
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { checkDocuments, loadDocuments } from "./check-manifests.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const SHIPPED = ["server.yaml", "agents-job.yaml"].map((f) => join(here, f));

// A fresh copy of every shipped document, to break one thing in.
function shipped() {
  return loadDocuments(SHIPPED).map(({ file, doc }) => ({ file, doc: structuredClone(doc) }));
}
const find = (docs, kind) => docs.find(({ doc }) => doc.kind === kind).doc;
const agent = (docs) => find(docs, "Job").spec.template.spec.containers[0];

function problemsAfter(breakIt) {
  const docs = shipped();
  breakIt(docs);
  return checkDocuments(docs);
}

function assertOneProblem(problems, ...parts) {
  const matching = problems.filter((p) => parts.every((part) => p.includes(part)));
  assert.equal(matching.length, 1, `expected one problem with ${JSON.stringify(parts)}, got:\n${problems.join("\n")}`);
}

test("the shipped manifests are valid", () => {
  const docs = shipped();
  assert.deepEqual(docs.map(({ doc }) => doc.kind).sort(), ["Deployment", "Job", "Service"]);
  assert.deepEqual(checkDocuments(docs), []);
});

test("the Job is an Indexed Job whose every index is an agent", () => {
  const job = find(shipped(), "Job");
  assert.equal(job.spec.completionMode, "Indexed");
  assert.equal(job.spec.parallelism, job.spec.completions);
  assert.equal(agent(shipped()).env.find((e) => e.name === "AGENTS").value, String(job.spec.completions));
});

test("a misspelt field is reported where it is", () => {
  const problems = problemsAfter((docs) => {
    const c = agent(docs);
    c.imagePullPolcy = c.imagePullPolicy;
    delete c.imagePullPolicy;
  });
  assertOneProblem(problems, "spec.template.spec.containers[0].imagePullPolcy", "unknown field");
});

test("misspelt fields are found at every depth", () => {
  const problems = problemsAfter((docs) => {
    find(docs, "Deployment").spec.replica = 2;
    find(docs, "Service").metadata.lables = { a: "b" };
    find(docs, "Job").spec.template.spec.volumes[0].emptydir = {};
  });
  assertOneProblem(problems, "Deployment/echo-server", "spec.replica:", "unknown field");
  assertOneProblem(problems, "Service/echo-server", "metadata.lables", "unknown field");
  assertOneProblem(problems, "spec.template.spec.volumes[0].emptydir", "unknown field");
});

test("label maps take any key", () => {
  const problems = problemsAfter((docs) => {
    find(docs, "Job").metadata.labels["example.com/anything-goes"] = "yes";
  });
  assert.deepEqual(problems, []);
});

test("a bad completionMode names the allowed values", () => {
  const problems = problemsAfter((docs) => {
    find(docs, "Job").spec.completionMode = "indexed";
  });
  assertOneProblem(problems, "spec.completionMode", "Indexed, NonIndexed", '"indexed"');
});

test("a container without an image fails", () => {
  const problems = problemsAfter((docs) => {
    delete agent(docs).image;
  });
  assertOneProblem(problems, "spec.template.spec.containers[0].image", "required");
});

test("restartPolicy Always in a Job fails, and so does none", () => {
  const always = problemsAfter((docs) => {
    find(docs, "Job").spec.template.spec.restartPolicy = "Always";
  });
  assertOneProblem(always, "restartPolicy", "Never or OnFailure", "got Always");
  const none = problemsAfter((docs) => {
    delete find(docs, "Job").spec.template.spec.restartPolicy;
  });
  assertOneProblem(none, "restartPolicy", "defaults to Always");
});

test("an Indexed Job needs completions", () => {
  const problems = problemsAfter((docs) => {
    delete find(docs, "Job").spec.completions;
  });
  assertOneProblem(problems, "spec.completions", "required when completionMode is Indexed");
});

test("a wrong type and a missing required field come from the official schema", () => {
  const problems = problemsAfter((docs) => {
    find(docs, "Job").spec.parallelism = "four";
    delete find(docs, "Job").spec.template;
  });
  assertOneProblem(problems, "spec.parallelism", "integer");
  assertOneProblem(problems, "spec.template", "required field missing");
});

test("the agent count must agree with completions", () => {
  const problems = problemsAfter((docs) => {
    find(docs, "Job").spec.parallelism = 3;
  });
  assertOneProblem(problems, "spec.parallelism", "AGENTS=4");
});

test("a Service that selects no pods and a Deployment whose selector misses its pods fail", () => {
  const problems = problemsAfter((docs) => {
    find(docs, "Service").spec.selector = { "app.kubernetes.io/name": "echo-sever" };
    find(docs, "Deployment").spec.selector.matchLabels = { app: "other" };
  });
  assertOneProblem(problems, "Service/echo-server: spec.selector", "selects no Deployment");
  assertOneProblem(problems, "Deployment/echo-server: spec.selector", "does not match");
});

test("the command line exits 1 and prints each problem on stderr", () => {
  const docs = shipped();
  find(docs, "Job").spec.completionMode = "Indxed";
  const dir = mkdtempSync(join(tmpdir(), "k8s-check-"));
  const broken = join(dir, "broken.yaml");
  writeFileSync(broken, docs.map(({ doc }) => stringify(doc)).join("---\n"));
  const run = spawnSync(process.execPath, [join(here, "check-manifests.mjs"), broken], { encoding: "utf8" });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /broken\.yaml: Job\/echo-bench-agents: spec\.completionMode: must be one of Indexed, NonIndexed \(got "Indxed"\)/);
  const good = spawnSync(process.execPath, [join(here, "check-manifests.mjs"), ...SHIPPED], { encoding: "utf8" });
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /Job\/echo-bench-agents: valid/);
});

test("a file that is not YAML fails with its name", () => {
  const dir = mkdtempSync(join(tmpdir(), "k8s-check-"));
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "kind: Job\n  spec: [unclosed\n");
  const run = spawnSync(process.execPath, [join(here, "check-manifests.mjs"), bad], { encoding: "utf8" });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /bad\.yaml: YAML/);
});
