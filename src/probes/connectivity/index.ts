/** The connectivity probe's public surface. */
export { ConnectivityConfigSchema, PeerSchema, type ConnectivityConfig, type Peer } from "../../config/connectivity.js";
export { OUTCOMES } from "./outcome.js";
export {
  peerTargets,
  probeConnectivity,
  type CassandraPortView,
  type CassandraView,
  type HostView,
  type Outcome,
  type PeerConnectivity,
  type PeerTargets,
  type ProbeConnectivityInput,
  type ServerView,
  type ViewResult,
} from "./probe.js";
export { connectivityStatus, toPeerTableRows, type ConnectivityStatus, type PeerTableRow } from "./status.js";
