// Turns Delve's api.Variable trees into the backend's one-line values with children and expand handles.
import type { BackendVariable } from '../backend';
import { Kind, type DlvLoadConfig, type DlvVariable } from './api';

/** First load of a frame's variables: one level of children, strings long enough to read. */
export const SHALLOW_LOAD: DlvLoadConfig = { FollowPointers: true, MaxVariableRecurse: 1, MaxStringLen: 1024, MaxArrayValues: 100, MaxStructFields: -1 };
/** Loading the children of one variable. */
export const EXPAND_LOAD: DlvLoadConfig = { FollowPointers: true, MaxVariableRecurse: 2, MaxStringLen: 1024, MaxArrayValues: 100, MaxStructFields: -1 };

const hex = (n: number) => `0x${n.toString(16)}`;

/** An expression that re-reads the variable at its address (what dlv's own DAP server does). */
function addrExpr(v: DlvVariable): string | undefined {
  return v.addr ? `*(*${JSON.stringify(v.type)})(${hex(v.addr)})` : undefined;
}

function quoteString(v: DlvVariable): string {
  const more = v.len > v.value.length ? `… (${v.len} bytes)` : '';
  return JSON.stringify(v.value) + more;
}

/** A short rendering of a value for map keys and inline display. */
function short(v: DlvVariable): string {
  if (v.kind === Kind.String) return quoteString(v);
  if (v.value) return v.value;
  return v.type;
}

/** Converts one dlv variable; `name` overrides its name (slice elements, map entries). */
export function convertVariable(v: DlvVariable, name = v.name): BackendVariable {
  if (v.unreadable) return { name, type: v.type, value: `(unreadable: ${v.unreadable})` };
  const kids = v.children ?? [];
  const ref = addrExpr(v);
  switch (v.kind) {
    case Kind.String:
      return { name, type: v.type, value: quoteString(v) };
    case Kind.Slice:
    case Kind.Array: {
      const value = v.kind === Kind.Slice ? (v.base === 0 && v.len === 0 ? `${v.type} nil` : `${v.type} len: ${v.len}, cap: ${v.cap}`) : `${v.type} len: ${v.len}`;
      if (v.len === 0) return { name, type: v.type, value };
      return { name, type: v.type, value, children: kids.length ? kids.map((c, i) => convertVariable(c, `[${i}]`)) : undefined, ref };
    }
    case Kind.Map: {
      const value = v.base === 0 && v.len === 0 ? `${v.type} nil` : `${v.type} len: ${v.len}`;
      if (v.len === 0) return { name, type: v.type, value };
      const entries: BackendVariable[] = [];
      for (let i = 0; i + 1 < kids.length; i += 2) entries.push(convertVariable(kids[i + 1], `[${short(kids[i])}]`));
      return { name, type: v.type, value, children: entries.length ? entries : undefined, ref };
    }
    case Kind.Struct:
      return { name, type: v.type, value: `${v.type} {…}`, children: kids.length ? kids.map((c) => convertVariable(c)) : undefined, ref: v.len > 0 ? ref : undefined };
    case Kind.Ptr: {
      const target = kids[0];
      if (!target || (target.addr === 0 && v.base === 0)) return { name, type: v.type, value: 'nil' };
      if (target.kind === Kind.Struct) {
        const inner = convertVariable(target, name);
        return { name, type: v.type, value: `(${v.type}) ${hex(target.addr)}`, children: inner.children, ref: inner.children ? ref : ref ?? inner.ref };
      }
      const inner = convertVariable(target, '*' + name);
      return { name, type: v.type, value: `(${v.type}) ${hex(target.addr)}`, children: [inner], ref };
    }
    case Kind.Interface: {
      const concrete = kids[0];
      if (!concrete || (concrete.kind === 0 && !concrete.type)) return { name, type: v.type, value: 'nil' };
      const inner = convertVariable(concrete, name);
      return { name, type: v.type, value: `${v.type}(${concrete.type}) ${inner.value}`, children: inner.children, ref: inner.children || inner.ref ? ref : undefined };
    }
    case Kind.Chan:
      return { name, type: v.type, value: v.base === 0 ? `${v.type} nil` : `${v.type} ${v.len}/${v.cap}` };
    case Kind.Func:
      return { name, type: v.type, value: v.value || 'nil' };
    default:
      return { name, type: v.type, value: v.value };
  }
}

/** The children to show when expanding a variable re-read through its handle. */
export function childrenOf(v: DlvVariable): BackendVariable[] {
  return convertVariable(v).children ?? [];
}
