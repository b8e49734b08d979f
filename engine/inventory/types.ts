// The shapes of an inventory: hosts, groups, and the declarations the YAML and INI readers produce.
import type { Where } from '../errors.ts';
import type { VarLayer } from '../vars/vars.ts';


export type HostEntry = {
  name: string;
  /** Every group the host is in, ancestors and `all` included, in precedence order (all, then by depth, then name). */
  groups: string[];
  /** Its own variables: the inventory file's, then host_vars/NAME. */
  vars: VarLayer;
  /** Where it was first defined. */
  at: Where;
};
export type GroupEntry = {
  name: string;
  parents: string[];
  children: string[];
  /** Hosts listed in the group itself (not through its children). */
  hosts: string[];
  /** Longest path from `all` (all: 0, its children: 1, ...). */
  depth: number;
  /** Its variables: the inventory files', then group_vars/NAME. */
  vars: VarLayer;
  at: Where;
};
/** Hosts and groups in the order they were first defined; sources: every file read, relative to the cwd. */
export type Inventory = { hosts: Map<string, HostEntry>; groups: Map<string, GroupEntry>; sources: string[] };

/** What an inventory file says, in order; the YAML and INI readers both produce these. */
export type Decl =
  | { kind: 'group'; name: string; at: Where }
  | { kind: 'host'; name: string; group: string; at: Where }
  | { kind: 'child'; parent: string; child: string; at: Where }
  | { kind: 'var'; target: 'group' | 'host'; name: string; key: string; value: unknown; at: Where };
