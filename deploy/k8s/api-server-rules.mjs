// Rules the Kubernetes API server enforces on create that the OpenAPI schema cannot express
// (its validation of Jobs, Deployments, Services and pod templates), and two rules of our own
// across manifests. Each problem: { at: "field.path", problem: "what is wrong" }.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/; // IANA service name, 15 characters at most

const isPort = (n) => Number.isInteger(n) && n >= 1 && n <= 65535;

function checkName(doc, problems) {
  const name = doc.metadata?.name;
  if (typeof name !== "string" || name === "") {
    problems.push({ at: "metadata.name", problem: "required field missing" });
  } else if (doc.kind === "Service" ? !DNS1035_LABEL.test(name) || name.length > 63 : !DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    problems.push({ at: "metadata.name", problem: `invalid name '${name}' (lower-case letters, digits and '-')` });
  }
}

function checkPodSpec(spec, at, problems) {
  if (!spec || typeof spec !== "object") return; // missing or mistyped: the schema check says so
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.length === 0) problems.push({ at: `${at}.containers`, problem: "at least one container is required" });
  const volumes = new Set((spec.volumes ?? []).map((v) => v?.name));
  const names = new Set();
  containers.forEach((c, i) => {
    const here = `${at}.containers[${i}]`;
    if (!c || typeof c !== "object") return;
    if (typeof c.name !== "string" || !DNS1123_LABEL.test(c.name)) problems.push({ at: `${here}.name`, problem: "required: a DNS label (lower-case letters, digits, '-')" });
    else if (names.has(c.name)) problems.push({ at: `${here}.name`, problem: `duplicate container name '${c.name}'` });
    names.add(c.name);
    if (typeof c.image !== "string" || c.image.trim() === "") problems.push({ at: `${here}.image`, problem: "required field missing: every container needs an image" });
    (c.ports ?? []).forEach((p, j) => {
      if (!isPort(p?.containerPort)) problems.push({ at: `${here}.ports[${j}].containerPort`, problem: "must be between 1 and 65535" });
      if (p?.name !== undefined && !(PORT_NAME.test(p.name) && p.name.length <= 15)) problems.push({ at: `${here}.ports[${j}].name`, problem: "must be an IANA service name (at most 15 characters)" });
    });
    (c.volumeMounts ?? []).forEach((m, j) => {
      if (!volumes.has(m?.name)) problems.push({ at: `${here}.volumeMounts[${j}].name`, problem: `no volume named '${m?.name}' in ${at}.volumes` });
    });
  });
}

function checkJob(spec, problems) {
  const podSpec = spec?.template?.spec;
  const restart = podSpec?.restartPolicy;
  if (restart !== "Never" && restart !== "OnFailure") {
    problems.push({ at: "spec.template.spec.restartPolicy", problem: `a Job's pods need restartPolicy Never or OnFailure (got ${restart ?? "none, which defaults to Always"})` });
  }
  for (const field of ["completions", "parallelism", "backoffLimit"]) {
    if (spec?.[field] !== undefined && !(Number.isInteger(spec[field]) && spec[field] >= 0)) problems.push({ at: `spec.${field}`, problem: "must be a whole number, 0 or more" });
  }
  if (spec?.completionMode === "Indexed") {
    if (spec.completions === undefined) problems.push({ at: "spec.completions", problem: "required when completionMode is Indexed" });
    else if (spec.completions > 100000) problems.push({ at: "spec.completions", problem: "at most 100000 when completionMode is Indexed" });
  }
  checkPodSpec(podSpec, "spec.template.spec", problems);
}

function selectorMatches(selector, labels) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

function checkDeployment(spec, problems) {
  const podSpec = spec?.template?.spec;
  if (podSpec?.restartPolicy !== undefined && podSpec.restartPolicy !== "Always") problems.push({ at: "spec.template.spec.restartPolicy", problem: "a Deployment's pods need restartPolicy Always" });
  const match = spec?.selector?.matchLabels;
  if (match && !selectorMatches(match, spec?.template?.metadata?.labels)) problems.push({ at: "spec.selector", problem: "does not match the template's labels" });
  checkPodSpec(podSpec, "spec.template.spec", problems);
}

function checkService(spec, problems) {
  const ports = spec?.ports ?? [];
  if (spec?.type !== "ExternalName" && ports.length === 0) problems.push({ at: "spec.ports", problem: "at least one port is required" });
  ports.forEach((p, i) => {
    if (!isPort(p?.port)) problems.push({ at: `spec.ports[${i}].port`, problem: "must be between 1 and 65535" });
    if (ports.length > 1 && !p?.name) problems.push({ at: `spec.ports[${i}].name`, problem: "required when a Service has more than one port" });
    if (typeof p?.targetPort === "number" && !isPort(p.targetPort)) problems.push({ at: `spec.ports[${i}].targetPort`, problem: "must be between 1 and 65535" });
  });
}

export function apiServerRules(doc) {
  const problems = [];
  checkName(doc, problems);
  if (doc.kind === "Job") checkJob(doc.spec, problems);
  if (doc.kind === "Deployment") checkDeployment(doc.spec, problems);
  if (doc.kind === "Service") checkService(doc.spec, problems);
  return problems;
}

const envValue = (container, name) => container?.env?.find((e) => e?.name === name)?.value;

// Ours: the agents' count agrees everywhere, and each Service reaches the pods of a Deployment.
export function crossManifestRules(docs) {
  const problems = [];
  const deployments = docs.filter(({ doc }) => doc?.kind === "Deployment");
  for (const { file, doc } of docs) {
    const name = `${doc?.kind}/${doc?.metadata?.name}`;
    if (doc?.kind === "Job") {
      for (const c of doc.spec?.template?.spec?.containers ?? []) {
        const agents = envValue(c, "AGENTS");
        if (agents === undefined) continue;
        for (const field of ["completions", "parallelism"]) {
          if (String(doc.spec?.[field]) !== agents) problems.push({ file, at: `${name}: spec.${field}`, problem: `is ${doc.spec?.[field]} but the agents are told AGENTS=${agents}: every index must be an agent` });
        }
      }
    }
    if (doc?.kind === "Service" && deployments.length > 0 && doc.spec?.selector) {
      const reaches = deployments.some(({ doc: d }) => selectorMatches(doc.spec.selector, d.spec?.template?.metadata?.labels));
      if (!reaches) problems.push({ file, at: `${name}: spec.selector`, problem: "selects no Deployment's pods in these manifests" });
    }
  }
  return problems;
}
