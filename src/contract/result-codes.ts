/**
 * Result codes of components and directories (contract section 1: 0 is OK,
 * every other code is listed with its meaning in the README, and a published
 * code keeps its meaning). The README table is checked against this list by a
 * test, so the two cannot drift apart.
 *
 * Ranges: 1xx components, 2xx directories, 3xx Cassandra, 9xx the probe engine.
 */
import type { Status } from "./status.js";

export interface ResultCode {
  readonly code: number;
  readonly name: string;
  readonly status: Status;
  readonly meaning: string;
}

export const OK = 0;

export const CODES = {
  // 1xx: components
  UNIT_NOT_FOUND: 101,
  UNIT_FAILED: 102,
  UNIT_INACTIVE: 103,
  UNIT_TRANSITIONING: 104,
  SYSTEMD_NOT_RUNNING: 105,
  UNIT_MASKED: 106,
  SYSTEMCTL_FAILED: 107,
  HTTP_UNEXPECTED_STATUS: 110,
  HTTP_UNEXPECTED_BODY: 111,
  HTTP_UNREACHABLE: 112,
  HTTP_TLS_FAILURE: 113,
  HTTP_TIMEOUT: 114,
  TCP_REFUSED: 120,
  TCP_TIMEOUT: 121,
  COMMAND_FAILED: 130,
  COMMAND_NOT_FOUND: 131,
  // 14x: nodekeeper itself (self-monitoring, src/probes/self.ts)
  SELF_CYCLE_SLOW: 140,
  SELF_CYCLE_OVER_DEADLINE: 141,
  SELF_DELIVERY_LATE: 142,
  SELF_DELIVERY_FAILING: 143,
  SELF_OUTBOX_GROWING: 144,
  SELF_OUTBOX_FULL: 145,
  SELF_APPLY_FAILED: 146,
  SELF_STATE_UNREADABLE: 147,
  MAINTENANCE_UNREADABLE: 148,
  SELF_EXECUTABLE_CHANGED: 149,
  SELF_EXECUTABLE_UNREADABLE: 150,
  // 2xx: directories
  DIR_MISSING: 201,
  DIR_NOT_A_DIRECTORY: 202,
  DIR_PERMISSION_DENIED: 203,
  DIR_READ_ONLY: 204,
  DIR_WRITE_FAILED: 205,
  DIR_STUCK: 206,
  DIR_STAT_FAILED: 207,
  DIR_SPACE_LOW: 210,
  DIR_SPACE_CRITICAL: 211,
  DIR_INODES_LOW: 212,
  DIR_INODES_CRITICAL: 213,
  // 9xx: the probe engine, for any probe
  PROBE_TIMEOUT: 901,
  PROBE_CRASHED: 902,
  PROBE_SKIPPED_DEADLINE: 903,
} as const;

export const COMPONENT_AND_DIRECTORY_CODES: readonly ResultCode[] = [
  { code: 0, name: "OK", status: "OK", meaning: "Healthy." },
  { code: 101, name: "UNIT_NOT_FOUND", status: "NOT_INSTALLED", meaning: "The component's systemd unit does not exist on this node." },
  { code: 102, name: "UNIT_FAILED", status: "ERROR", meaning: "The systemd unit is in the failed state; the description gives its SubState and Result. See `journalctl -u UNIT`." },
  { code: 103, name: "UNIT_INACTIVE", status: "ERROR", meaning: "The systemd unit exists but is stopped (inactive)." },
  { code: 104, name: "UNIT_TRANSITIONING", status: "WARNING", meaning: "The systemd unit is starting, stopping or reloading." },
  { code: 105, name: "SYSTEMD_NOT_RUNNING", status: "UNKNOWN", meaning: "systemd is not PID 1 on this machine (a container, or booted without systemd): the unit file exists but whether it runs cannot be read." },
  { code: 106, name: "UNIT_MASKED", status: "ERROR", meaning: "The systemd unit is masked: it cannot be started until someone runs `systemctl unmask`." },
  { code: 107, name: "SYSTEMCTL_FAILED", status: "UNKNOWN", meaning: "`systemctl` failed or printed something nodekeeper could not read; the description has its message." },
  { code: 110, name: "HTTP_UNEXPECTED_STATUS", status: "ERROR", meaning: "The component's HTTP status endpoint answered with another status than expected." },
  { code: 111, name: "HTTP_UNEXPECTED_BODY", status: "ERROR", meaning: "The component's HTTP status endpoint answered without the expected text in its body." },
  { code: 112, name: "HTTP_UNREACHABLE", status: "ERROR", meaning: "The component's HTTP status endpoint refused the connection or could not be reached." },
  { code: 113, name: "HTTP_TLS_FAILURE", status: "ERROR", meaning: "TLS to the component's HTTP status endpoint failed (untrusted, expired or mismatched certificate)." },
  { code: 114, name: "HTTP_TIMEOUT", status: "ERROR", meaning: "The component's HTTP status endpoint did not answer within its deadline." },
  { code: 120, name: "TCP_REFUSED", status: "ERROR", meaning: "Nothing listens on the component's TCP port." },
  { code: 121, name: "TCP_TIMEOUT", status: "ERROR", meaning: "The component's TCP port did not accept a connection within its deadline." },
  { code: 130, name: "COMMAND_FAILED", status: "ERROR", meaning: "The component's status command exited with a non-zero code; the description has its exit code and first line of output." },
  { code: 131, name: "COMMAND_NOT_FOUND", status: "NOT_INSTALLED", meaning: "The component's status command does not exist on this node." },
  { code: 140, name: "SELF_CYCLE_SLOW", status: "WARNING", meaning: "nodekeeper's last cycle used more than the warning share of its deadline (selfMonitoring.cycleDurationWarningPercent of cycle.deadlineMs): a slow probe or Mission Control eats the time left to send." },
  { code: 141, name: "SELF_CYCLE_OVER_DEADLINE", status: "ERROR", meaning: "nodekeeper's last cycle used its whole deadline (selfMonitoring.cycleDurationErrorPercent): what was not sent by then stayed in the outbox." },
  { code: 142, name: "SELF_DELIVERY_LATE", status: "WARNING", meaning: "Reports have not reached Mission Control for a while: cycles in a row without delivery or the time since the last delivery are above their warning thresholds. `nodekeeper diagnose` names the broken link." },
  { code: 143, name: "SELF_DELIVERY_FAILING", status: "ERROR", meaning: "Reports have not reached Mission Control for long: above the error thresholds (selfMonitoring.undeliveredError, lastDeliveryErrorMs), or the last delivery's time cannot be trusted after a clock step." },
  { code: 144, name: "SELF_OUTBOX_GROWING", status: "WARNING", meaning: "Reports are piling up in the outbox (selfMonitoring.outboxWarning)." },
  { code: 145, name: "SELF_OUTBOX_FULL", status: "ERROR", meaning: "The outbox holds more reports than selfMonitoring.outboxError; at missionControl.outbox.maxReports the oldest are dropped." },
  { code: 146, name: "SELF_APPLY_FAILED", status: "WARNING", meaning: "An action of the last cycle failed (it is retried next cycle); the description has the error. See `nodekeeper status` for what is left." },
  { code: 147, name: "SELF_STATE_UNREADABLE", status: "UNKNOWN", meaning: "nodekeeper's record of its own cycles (self.json in the state folder) cannot be read, so its own health is unknown until the next cycle rewrites it." },
  { code: 148, name: "MAINTENANCE_UNREADABLE", status: "WARNING", meaning: "nodekeeper's maintenance switch exists but cannot be read (owner, permissions) or parsed: maintenance is assumed on and no remediation runs." },
  { code: 149, name: "SELF_EXECUTABLE_CHANGED", status: "ERROR", meaning: "nodekeeper's own executable no longer matches the manifest of its hash it was built with: it was changed after the release build (tampering, a bad copy, disk corruption). Run `nodekeeper verify-install --pubkey FILE` and reinstall the package." },
  { code: 150, name: "SELF_EXECUTABLE_UNREADABLE", status: "UNKNOWN", meaning: "nodekeeper could not read its own executable to check it against its manifest; the description has the error." },
  { code: 201, name: "DIR_MISSING", status: "ERROR", meaning: "The directory does not exist." },
  { code: 202, name: "DIR_NOT_A_DIRECTORY", status: "ERROR", meaning: "The path exists but is not a directory." },
  { code: 203, name: "DIR_PERMISSION_DENIED", status: "ERROR", meaning: "nodekeeper may not read or write the directory (permission denied)." },
  { code: 204, name: "DIR_READ_ONLY", status: "ERROR", meaning: "The directory is on a file system mounted read-only (often remounted so by the kernel after disk errors: check `dmesg`)." },
  { code: 205, name: "DIR_WRITE_FAILED", status: "ERROR", meaning: "The write test (create, write, fsync, remove a small file) failed; the description has the error." },
  { code: 206, name: "DIR_STUCK", status: "ERROR", meaning: "statfs or the write test did not return within its deadline: the file system hangs (a dead NFS server, a failing disk)." },
  { code: 207, name: "DIR_STAT_FAILED", status: "UNKNOWN", meaning: "The directory's free space could not be read (statfs failed)." },
  { code: 210, name: "DIR_SPACE_LOW", status: "WARNING", meaning: "Free space is below the warning threshold (warnFreePercent)." },
  { code: 211, name: "DIR_SPACE_CRITICAL", status: "ERROR", meaning: "Free space is below the error threshold (minFreePercent or minFreeBytes)." },
  { code: 212, name: "DIR_INODES_LOW", status: "WARNING", meaning: "Free inodes are below the warning threshold (warnFreeInodesPercent)." },
  { code: 213, name: "DIR_INODES_CRITICAL", status: "ERROR", meaning: "Free inodes are below the error threshold (minFreeInodesPercent): no new file can be created soon." },
  { code: 901, name: "PROBE_TIMEOUT", status: "UNKNOWN", meaning: "The probe did not finish within its deadline." },
  { code: 902, name: "PROBE_CRASHED", status: "UNKNOWN", meaning: "The probe failed unexpectedly (a bug in nodekeeper); the description has the error." },
  { code: 903, name: "PROBE_SKIPPED_DEADLINE", status: "UNKNOWN", meaning: "The probe did not start because the cycle's deadline had passed." },
];
