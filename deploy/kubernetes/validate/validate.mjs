// Validates Kubernetes manifests offline against the API schemas that kubernetes-models carries (pinned in
// package.json), without a cluster. Usage:
//   npm ci && node validate.mjs [FILE_OR_FOLDER ...]     (default: the *.yaml files of deploy/kubernetes)
// Every document must name an apiVersion and kind that kubernetes-models knows and pass its schema (types, required
// fields, enumerations, formats); kustomization.yaml is checked loosely (its resources must exist). Each error is
// printed as file:line: Kind/name: field.path: message. Exit code 0 when all is valid, 1 otherwise.
// The schemas, like the API server's OpenAPI, accept fields they do not know: a misspelt optional field passes.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const targets = process.argv.length > 2 ? process.argv.slice(2) : [path.resolve(here, "..")];

/** The manifests to read: files as given, folders by their *.yaml / *.yml files (not below). */
function manifestFiles(target) {
  if (!fs.existsSync(target))
    return [{ missing: target }];
  if (fs.statSync(target).isFile())
    return [target];
  return fs.readdirSync(target)
    .filter(name => /\.ya?ml$/i.test(name))
    .sort()
    .map(name => path.join(target, name));
}

/**
 * The documents of a file, each with the 1-based line it starts on. A "---" at the start of a line always separates
 * documents (block scalars are indented), so splitting there keeps every document's line numbers exact.
 */
function documents(text) {
  const lines = text.split("\n");
  const parts = [];
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i === lines.length || /^---(\s|$)/.test(lines[i])) {
      parts.push({ firstLine: start + 1, text: lines.slice(start, i).join("\n") });
      start = i + 1;
    }
  }
  return parts;
}

/**
 * Parses one document and remembers on which line every mapping key and sequence item starts, so that a schema error's
 * path (/spec/template/spec/containers/0) can be shown with its line. Uses js-yaml's node listener (pinned version).
 */
function parseLocated(text) {
  const lines = new WeakMap();
  const stack = [{ children: [] }];
  const listener = (event, state) => {
    if (event === "open") {
      stack.push({ line: state.line, children: [] });
      return;
    }
    const frame = stack.pop();
    const node = { line: frame.line, value: state.result };
    const value = state.result;
    if (value !== null && typeof value === "object" && !lines.has(value)) {
      // A mapping's children alternate key and value; a sequence's children are its items.
      const at = new Map();
      if (Array.isArray(value))
        frame.children.forEach((child, i) => at.set(String(i), child.line));
      else
        for (let i = 0; i + 1 < frame.children.length; i += 2)
          at.set(String(frame.children[i].value), frame.children[i].line);
      lines.set(value, at);
    }
    stack[stack.length - 1].children.push(node);
  };
  const value = yaml.load(text, { listener });
  return { value, lines };
}

/** The 0-based line of a JSON pointer into a parsed document, or of its nearest located ancestor. */
function lineOf(document, pointer) {
  let line = null;
  let current = document.value;
  for (const segment of pointer.split("/").slice(1).map(s => s.replace(/~1/g, "/").replace(/~0/g, "~"))) {
    if (current === null || typeof current !== "object")
      break;
    const at = document.lines.get(current)?.get(segment);
    if (at === undefined)
      break;
    line = at;
    current = current[segment];
  }
  return line;
}

/** /spec/template/spec/containers/0 as spec.template.spec.containers[0]. */
function fieldPath(pointer, extra) {
  const segments = pointer.split("/").slice(1).map(s => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (extra !== undefined)
    segments.push(extra);
  return segments.reduce((text, s) => /^\d+$/.test(s) ? `${text}[${s}]` : text ? `${text}.${s}` : s, "") || "(document)";
}

function message(error) {
  switch (error.keyword) {
    case "required": return "required field is missing";
    case "enum": return `${error.message}: ${error.params.allowedValues.join(", ")}`;
    default: return error.message;
  }
}

/** The model class for an apiVersion and kind: kubernetes-models/<group>/<version> (core: kubernetes-models/v1). */
async function modelClass(apiVersion, kind) {
  try {
    const module = await import(`kubernetes-models/${apiVersion}`);
    return typeof module[kind] === "function" ? module[kind] : null;
  } catch {
    return null;
  }
}

function checkKustomization(object, file, report) {
  const folder = path.dirname(file);
  for (const [i, resource] of (object.resources ?? []).entries()) {
    if (typeof resource !== "string")
      report(["resources", i], "must be a path");
    else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(resource) && !fs.existsSync(path.join(folder, resource)))
      report(["resources", i], `'${resource}' does not exist`);
  }
}

let errors = 0;
let checked = 0;
for (const file of targets.flatMap(manifestFiles)) {
  if (file.missing) {
    console.error(`${file.missing}: no such file or folder`);
    errors++;
    continue;
  }
  const relative = path.relative(process.cwd(), file);
  const shown = relative && !relative.startsWith("..") ? relative : file;
  for (const part of documents(fs.readFileSync(file, "utf8"))) {
    let document;
    try {
      document = parseLocated(part.text);
    } catch (e) {
      const line = part.firstLine + (e.mark?.line ?? 0);
      console.error(`${shown}:${line}: YAML: ${e.reason ?? e.message}`);
      errors++;
      continue;
    }
    const object = document.value;
    if (object === null || object === undefined)
      continue; // only comments
    const name = `${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
    const report = (pointerOrSegments, text, extra) => {
      const pointer = Array.isArray(pointerOrSegments) ? "/" + pointerOrSegments.join("/") : pointerOrSegments;
      const line = part.firstLine + (lineOf(document, pointer) ?? 0);
      console.error(`${shown}:${line}: ${name}: ${fieldPath(pointer, extra)}: ${text}`);
      errors++;
    };
    checked++;
    if (typeof object !== "object" || Array.isArray(object)) {
      report("", "a manifest must be a mapping");
      continue;
    }
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
      report("", "apiVersion and kind are required");
      continue;
    }
    if (object.apiVersion.startsWith("kustomize.config.k8s.io/") && object.kind === "Kustomization") {
      checkKustomization(object, file, report);
      continue;
    }
    const Model = await modelClass(object.apiVersion, object.kind);
    if (Model === null) {
      report("/kind", `no schema for apiVersion ${object.apiVersion}, kind ${object.kind} in kubernetes-models`);
      continue;
    }
    if (typeof object.metadata?.name !== "string" || object.metadata.name === "")
      report("/metadata", "required field is missing", "name");
    try {
      new Model(object).validate();
    } catch (e) {
      if (!Array.isArray(e.errors))
        throw e;
      for (const error of e.errors)
        report(error.instancePath, message(error), error.keyword === "required" ? error.params.missingProperty : undefined);
    }
  }
}

if (errors > 0) {
  console.error(`${errors} error(s) in ${checked} document(s)`);
  process.exit(1);
}
console.log(`valid: ${checked} document(s)`);
