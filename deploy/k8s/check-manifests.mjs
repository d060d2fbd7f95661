#!/usr/bin/env node
// Checks Kubernetes manifests offline, with no cluster: `kubectl` cannot (every dry run needs an
// API server). Three layers, each reported as FILE: KIND/NAME: FIELD: PROBLEM
//   1. the official OpenAPI schema, through kubernetes-models' generated validators
//      (types, enums such as completionMode, required fields);
//   2. unknown or misspelt fields, as `kubectl --validate=strict` reports them;
//   3. rules the API server enforces beyond the schema (api-server-rules.mjs).
// Usage: node check-manifests.mjs FILE.yaml...    (exit 0: all valid, 1: problems, 2: usage)
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Service } from "kubernetes-models/v1/Service";
import { apiServerRules, crossManifestRules } from "./api-server-rules.mjs";
import { unknownFields } from "./unknown-fields.mjs";

const MODELS = { "batch/v1 Job": Job, "apps/v1 Deployment": Deployment, "v1 Service": Service };

// "/spec/template/spec/containers/0/image" -> "spec.template.spec.containers[0].image"
export function fieldPath(pointer) {
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

function valueAt(doc, pointer) {
  return pointer.split("/").slice(1).reduce((v, part) => v?.[part.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
}

function schemaProblem(error, doc) {
  const at = fieldPath(error.instancePath);
  switch (error.keyword) {
    case "required":
      return { at: at ? `${at}.${error.params.missingProperty}` : error.params.missingProperty, problem: "required field missing" };
    case "enum":
      return { at, problem: `must be one of ${error.params.allowedValues.join(", ")} (got ${JSON.stringify(valueAt(doc, error.instancePath))})` };
    case "type":
      return { at, problem: `must be of type ${error.params.type}` };
    default:
      return { at, problem: error.message ?? error.keyword };
  }
}

function checkSchema(model, doc) {
  try {
    model.prototype.validate.call(doc);
    return [];
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    return e.errors.map((error) => schemaProblem(error, doc));
  }
}

export function checkDocuments(docs) {
  const problems = [];
  for (const { file, doc } of docs) {
    const name = `${doc?.kind ?? "?"}/${doc?.metadata?.name ?? "?"}`;
    const report = (list) => list.forEach(({ at, problem }) => problems.push(`${file}: ${name}: ${at || "(document)"}: ${problem}`));
    const model = MODELS[`${doc?.apiVersion} ${doc?.kind}`];
    if (!model) {
      report([{ at: "apiVersion/kind", problem: `not checked here: expected one of ${Object.keys(MODELS).join(", ")}` }]);
      continue;
    }
    report(checkSchema(model, doc));
    report(unknownFields(model, doc).map((at) => ({ at, problem: "unknown field (misspelt?)" })));
    report(apiServerRules(doc));
  }
  for (const { file, at, problem } of crossManifestRules(docs)) problems.push(`${file}: ${at}: ${problem}`);
  return problems;
}

export function loadDocuments(files) {
  const docs = [];
  for (const file of files) {
    for (const parsed of parseAllDocuments(readFileSync(file, "utf8"))) {
      if (parsed.errors.length) throw new Error(`${file}: YAML: ${parsed.errors[0].message}`);
      const doc = parsed.toJS();
      if (doc !== null) docs.push({ file, doc });
    }
  }
  return docs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node check-manifests.mjs FILE.yaml...");
    process.exit(2);
  }
  let docs;
  try {
    docs = loadDocuments(files);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
  const problems = checkDocuments(docs);
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`${problems.length} problem(s) in ${files.join(" ")}`);
    process.exit(1);
  }
  for (const { file, doc } of docs) console.log(`${file}: ${doc.kind}/${doc.metadata.name}: valid`);
}
