import { ApiError } from "./status.ts";

// Decoding of the Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) for the few kinds
// `kubectl create <generator>` sends as protobuf (namespace, configmap, secret,
// serviceaccount). Field numbers are those of k8s.io/api's generated.proto. Go's protobuf
// marshaller writes zero values too; they are dropped here as JSON's omitempty would. A field
// the table does not know answers 415, so nothing is silently lost.

type Wire = Map<number, (bigint | Buffer)[]>;

function varint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos];
    if (b === undefined) throw new Error("truncated varint");
    pos += 1;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

function wire(buf: Buffer): Wire {
  const out: Wire = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = varint(buf, pos);
    pos = p1;
    const field = Number(key >> 3n);
    const type = Number(key & 7n);
    let value: bigint | Buffer;
    if (type === 0) [value, pos] = varint(buf, pos);
    else if (type === 2) {
      const [len, p2] = varint(buf, pos);
      value = buf.subarray(p2, p2 + Number(len));
      pos = p2 + Number(len);
    } else if (type === 1) {
      value = buf.readBigUInt64LE(pos);
      pos += 8;
    } else if (type === 5) {
      value = BigInt(buf.readUInt32LE(pos));
      pos += 4;
    } else throw new Error(`unsupported wire type ${type}`);
    const list = out.get(field) ?? [];
    list.push(value);
    out.set(field, list);
  }
  return out;
}

type Schema = { [field: number]: [string, Kind] };
type Kind = "string" | "bytes" | "int" | "bool" | "time" | "stringMap" | "bytesMap" | "strings" | Schema | { repeated: Schema };

const ownerReference: Schema = { 5: ["apiVersion", "string"], 1: ["kind", "string"], 3: ["name", "string"], 4: ["uid", "string"], 6: ["controller", "bool"], 7: ["blockOwnerDeletion", "bool"] };
const objectMeta: Schema = {
  1: ["name", "string"], 2: ["generateName", "string"], 3: ["namespace", "string"], 4: ["selfLink", "string"],
  5: ["uid", "string"], 6: ["resourceVersion", "string"], 7: ["generation", "int"], 8: ["creationTimestamp", "time"],
  9: ["deletionTimestamp", "time"], 10: ["deletionGracePeriodSeconds", "int"], 11: ["labels", "stringMap"],
  12: ["annotations", "stringMap"], 13: ["ownerReferences", { repeated: ownerReference }], 14: ["finalizers", "strings"],
};
const localRef: Schema = { 1: ["name", "string"] };
// k8s.io/api/rbac/v1 (what `kubectl create role|rolebinding|clusterrolebinding` sends).
const policyRule: Schema = { 1: ["verbs", "strings"], 2: ["apiGroups", "strings"], 3: ["resources", "strings"], 4: ["resourceNames", "strings"], 5: ["nonResourceURLs", "strings"] };
const subject: Schema = { 1: ["kind", "string"], 2: ["apiGroup", "string"], 3: ["name", "string"], 4: ["namespace", "string"] };
const roleRef: Schema = { 1: ["apiGroup", "string"], 2: ["kind", "string"], 3: ["name", "string"] };
const objectRef: Schema = { 1: ["kind", "string"], 2: ["namespace", "string"], 3: ["name", "string"], 4: ["uid", "string"], 5: ["apiVersion", "string"] };

const kinds: Record<string, Schema> = {
  "v1/Namespace": { 1: ["metadata", objectMeta], 2: ["spec", { 1: ["finalizers", "strings"] }], 3: ["status", { 1: ["phase", "string"] }] },
  "v1/ConfigMap": { 1: ["metadata", objectMeta], 2: ["data", "stringMap"], 3: ["binaryData", "bytesMap"], 4: ["immutable", "bool"] },
  "v1/Secret": { 1: ["metadata", objectMeta], 2: ["data", "bytesMap"], 3: ["type", "string"], 4: ["stringData", "stringMap"], 5: ["immutable", "bool"] },
  "v1/ServiceAccount": { 1: ["metadata", objectMeta], 2: ["secrets", { repeated: objectRef }], 3: ["imagePullSecrets", { repeated: localRef }], 4: ["automountServiceAccountToken", "bool"] },
  "rbac.authorization.k8s.io/v1/Role": { 1: ["metadata", objectMeta], 2: ["rules", { repeated: policyRule }] },
  "rbac.authorization.k8s.io/v1/RoleBinding": { 1: ["metadata", objectMeta], 2: ["subjects", { repeated: subject }], 3: ["roleRef", roleRef] },
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": { 1: ["metadata", objectMeta], 2: ["subjects", { repeated: subject }], 3: ["roleRef", roleRef] },
};

function mapEntries(values: (bigint | Buffer)[], bytes: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const e = wire(v as Buffer);
    const k = (e.get(1)?.[0] as Buffer | undefined)?.toString("utf8") ?? "";
    const val = (e.get(2)?.[0] as Buffer | undefined) ?? Buffer.alloc(0);
    out[k] = bytes ? val.toString("base64") : val.toString("utf8");
  }
  return out;
}

function decode(buf: Buffer, schema: Schema, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, values] of wire(buf)) {
    const entry = schema[field];
    if (!entry) throw new ApiError(415, "UnsupportedMediaType", `kube-double cannot decode protobuf field ${field} of ${path}; send JSON`);
    const [name, kind] = entry;
    const last = values[values.length - 1]!;
    let v: unknown;
    if (kind === "string") v = (last as Buffer).toString("utf8") || undefined;
    else if (kind === "bytes") v = (last as Buffer).length ? (last as Buffer).toString("base64") : undefined;
    else if (kind === "int") v = Number(last) || undefined;
    else if (kind === "bool") v = last === 1n ? true : undefined;
    else if (kind === "strings") v = values.map((x) => (x as Buffer).toString("utf8"));
    else if (kind === "stringMap" || kind === "bytesMap") v = mapEntries(values, kind === "bytesMap");
    else if (kind === "time") {
      const t = wire(last as Buffer);
      const secs = Number(t.get(1)?.[0] ?? 0n);
      v = secs ? new Date(secs * 1000).toISOString().replace(/\.\d+Z$/, "Z") : undefined;
    } else if ("repeated" in kind) v = values.map((x) => decode(x as Buffer, kind.repeated, `${path}.${name}`));
    else {
      const sub = decode(last as Buffer, kind, `${path}.${name}`);
      v = Object.keys(sub).length ? sub : undefined;
    }
    if (v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)) out[name] = v;
  }
  return out;
}

/** Decodes an application/vnd.kubernetes.protobuf request body into a JSON object. */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.subarray(0, 4).toString("latin1") !== "k8s\0") throw new ApiError(400, "BadRequest", "protobuf body without the k8s envelope");
  const unknown = wire(body.subarray(4));
  const typeMeta = wire((unknown.get(1)?.[0] as Buffer | undefined) ?? Buffer.alloc(0));
  const apiVersion = (typeMeta.get(1)?.[0] as Buffer | undefined)?.toString("utf8") ?? "";
  const kind = (typeMeta.get(2)?.[0] as Buffer | undefined)?.toString("utf8") ?? "";
  const schema = kinds[`${apiVersion}/${kind}`];
  if (!schema) throw new ApiError(415, "UnsupportedMediaType", `kube-double decodes protobuf only for ${Object.keys(kinds).join(", ")}; send ${apiVersion}/${kind} as JSON`);
  const raw = (unknown.get(2)?.[0] as Buffer | undefined) ?? Buffer.alloc(0);
  return { apiVersion, kind, ...decode(raw, schema, kind) };
}
