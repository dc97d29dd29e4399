/**
 * The demo's simulated cluster: six nodes in two data centers, all on
 * loopback addresses. Shared by the demo and its fake tools (nodetool, server
 * control, repair), which start as separate processes, so this module imports
 * nothing at all.
 *
 * node-1 is the node nodekeeper runs for. It sits in dc2, the data center the
 * scenario takes down, so Mission Control's failover remediation concerns it.
 */

export type DataCenter = "dc1" | "dc2";

export interface SimNode {
  readonly id: string;
  /** A 127.0.0.x address: the demo never listens or connects anywhere else. */
  readonly address: string;
  readonly dataCenter: DataCenter;
  readonly rack: string;
  /** Cassandra's host ID, as nodetool prints it (lower case). */
  readonly hostId: string;
  /** Cassandra's data size as nodetool status prints it. */
  readonly load: string;
}

export const CLUSTER_ID = "demo-cluster";
export const CLUSTER_NAME = "nodekeeper demo";
export const THIS_NODE_ID = "node-1";
export const CASSANDRA_VERSION = "4.1.6";
export const DATA_CENTERS: readonly DataCenter[] = ["dc1", "dc2"];

export const NODES: readonly SimNode[] = [
  { id: "node-1", address: "127.0.0.1", dataCenter: "dc2", rack: "rack1", hostId: "6d1c5b1e-3f0a-4c6e-9a51-0b7d2f1e8a01", load: "212.47 GiB" },
  { id: "node-2", address: "127.0.0.2", dataCenter: "dc1", rack: "rack1", hostId: "1a6f0c2d-8e3b-4b7a-a1c4-5d9e2f3b7c02", load: "209.81 GiB" },
  { id: "node-3", address: "127.0.0.3", dataCenter: "dc1", rack: "rack2", hostId: "2b7e1d3c-9f4a-4c8b-b2d5-6e0f3a4c8d03", load: "214.02 GiB" },
  { id: "node-4", address: "127.0.0.4", dataCenter: "dc1", rack: "rack3", hostId: "3c8f2e4d-0a5b-4d9c-83e6-7f1a4b5d9e04", load: "211.6 GiB" },
  { id: "node-5", address: "127.0.0.5", dataCenter: "dc2", rack: "rack2", hostId: "4d9a3f5e-1b6c-4ead-94f7-802b5c6eaf05", load: "210.55 GiB" },
  { id: "node-6", address: "127.0.0.6", dataCenter: "dc2", rack: "rack3", hostId: "5eab4a6f-2c7d-4fbe-a508-913c6d7fb006", load: "208.9 GiB" },
];

/** Mission Control lives on an address of its own, as the control plane is another machine. */
export const MISSION_CONTROL_ADDRESS = "127.0.0.10";

/** Every address the demo's certificate names (and the only ones it binds). */
export const DEMO_ADDRESSES: readonly string[] = [...NODES.map((n) => n.address), MISSION_CONTROL_ADDRESS];

export function thisNode(): SimNode {
  const node = NODES.find((n) => n.id === THIS_NODE_ID);
  if (node === undefined) throw new Error(`${THIS_NODE_ID} is missing from the demo's layout`);
  return node;
}

export function nodeById(id: string): SimNode | undefined {
  return NODES.find((n) => n.id === id);
}

export function nodesIn(dc: DataCenter): SimNode[] {
  return NODES.filter((n) => n.dataCenter === dc);
}
