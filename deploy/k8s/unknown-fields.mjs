// Unknown fields, as `kubectl --validate=strict` reports them. The generated validator reads every
// property its schema knows (and every key of a map such as labels), so the validator itself says
// which fields exist: a property it never read is one the schema does not have.
export function unknownFields(model, doc) {
  const readKeys = new WeakMap(); // object -> the keys the validator read from it
  const proxies = new WeakMap();
  const watch = (value) => {
    if (value === null || typeof value !== "object") return value;
    if (!proxies.has(value)) {
      readKeys.set(value, new Set());
      proxies.set(value, new Proxy(value, {
        get(target, key, receiver) {
          if (typeof key === "string") readKeys.get(target).add(key);
          return watch(Reflect.get(target, key, receiver));
        },
      }));
    }
    return proxies.get(value);
  };
  try {
    model.prototype.validate.call(watch(doc));
  } catch {
    // Schema errors are reported by the schema check; here only what was read matters.
  }
  const unknown = [];
  const walk = (value, path) => {
    const read = value !== null && typeof value === "object" ? readKeys.get(value) : undefined;
    if (!read) return; // a scalar, or a value of the wrong type (reported by the schema check)
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
      return;
    }
    for (const key of Object.keys(value)) {
      const at = path ? `${path}.${key}` : key;
      if (read.has(key)) walk(value[key], at);
      else unknown.push(at);
    }
  };
  walk(doc, "");
  return unknown;
}
