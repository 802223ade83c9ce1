import type { ResolvedEndpoint } from './docker/endpoint.js';
import type { EngineErrorKind } from './docker/engine-client.js';
import type { ContainerInspect, ContainerSummary, ImageInspect, ImageSummary, NetworkSummary } from './docker/types.js';
import type { ProbeResult, ProbeSpec } from './docker/probe.js';
import type { VolumeSummary } from './docker/volumes.js';
import type { PodmanNetwork } from './docker/podman-networks.js';
import type { ArchiveEntry } from './docker/archive.js';
import type { Listener } from './host/listeners.js';
import type { HostRoute } from './host/routes.js';
import type { DiskUsage } from './docker/system-df.js';
import type { DiskReading } from './host/disk.js';
import type { ComposeProject } from './project/compose.js';
import type { ParsedDockerfile } from './project/dockerfile.js';
import type { BuildSpec } from './project/builds.js';
import type { ContextScan, IgnoredSize } from './project/context-scan.js';
import type { IgnoreRules } from './project/ignore.js';

/** Facts a check can declare in meta.requires; the runner skips the check with the reason when one cannot be had. */
export type FactName = 'docker' | 'local-engine' | 'linux';

export interface EngineVersion {
  /** Absent when the daemon's answer lacks it or gives another type (shape.ts). */
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  Os?: string;
  Arch?: string;
  KernelVersion?: string;
  Components?: { Name: string; Version?: string }[];
}

export interface EngineInfo {
  ID?: string;
  Name?: string;
  ServerVersion?: string;
  OperatingSystem?: string;
  OSType?: string;
  Architecture?: string;
  KernelVersion?: string;
  DockerRootDir?: string;
  /** The storage driver (overlay2; Podman: overlay, vfs), which names Podman's container directories. */
  Driver?: string;
  SecurityOptions?: string[];
  Warnings?: string[] | null;
  IPv4Forwarding?: boolean;
  LoggingDriver?: string;
  CgroupVersion?: string;
  Containers?: number;
  ContainersRunning?: number;
  ContainersStopped?: number;
  Images?: number;
  HttpProxy?: string;
  HttpsProxy?: string;
  NoProxy?: string;
}

/** `rootless` is rootless Docker; `podman-rootless` a Podman service run by a user (its containers live in that user's namespace). */
export type EngineKind = 'docker' | 'docker-desktop' | 'rootless' | 'podman' | 'podman-rootless';

export type ConnectionFailureKind = EngineErrorKind | 'endpoint-unresolved' | 'not-a-socket';

export interface DockerConnection {
  endpoint: ResolvedEndpoint;
  reachable: boolean;
  failure?: { kind: ConnectionFailureKind; message: string; code?: string; statusCode?: number };
  /** Time the ping took (or took to fail). */
  elapsedMs: number;
  timeoutMs: number;
  version?: EngineVersion;
  info?: EngineInfo;
  kind?: EngineKind;
  /** The API version every request after the ping carries: negotiated, or DOCKER_API_VERSION (src/facts/docker/api-version.ts). */
  apiVersion?: { version: string; from: 'negotiated' | 'DOCKER_API_VERSION' };
  /**
   * True when the engine runs on this machine (a unix socket or loopback tcp, not Docker Desktop's VM), so host files
   * and /proc describe it.
   */
  local: boolean;
}

export interface FileStat {
  path: string;
  type: 'file' | 'directory' | 'socket' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** The inode number, where the client gives it: /proc numbers each network namespace's tables apart (host/net-namespace.ts). */
  ino?: number;
}

export interface UserIdentity {
  uid: number;
  gid: number;
  /** Supplementary groups of this process (what the kernel checks), not what /etc/group says. */
  groups: number[];
  username: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface SubIdRange {
  user: string;
  start: number;
  count: number;
}

export interface ServiceState {
  manager: 'systemd';
  unit: string;
  scope: 'system' | 'user';
  state: string;
}

export interface ProjectFiles {
  dir: string;
  dockerfiles: string[];
  composeFiles: string[];
}

/** The Docker engine: endpoint, connection and Engine API answers (src/facts/docker/facts.ts, keys `docker.*`). */
export interface DockerFacts {
  dockerEndpoint(): Promise<ResolvedEndpoint>;
  /** Never rejects: an unreachable daemon is data. */
  dockerConnection(): Promise<DockerConnection>;
  /** Rejects with FactUnavailable when the daemon is unreachable. */
  dockerInfo(): Promise<EngineInfo>;
  /** Every container (GET /containers/json?all=1), listed once. Rejects with FactUnavailable when the daemon is unreachable. */
  containers(): Promise<ContainerSummary[]>;
  inspectContainer(id: string): Promise<ContainerInspect>;
  /**
   * The last lines of a container's stdout and stderr, demultiplexed. The values of its own secret-named variables are
   * already replaced; the rest is not yet redacted.
   */
  containerLogs(id: string): Promise<string>;
  imageInspect(ref: string): Promise<ImageInspect | null>;
  /** One file from a container's filesystem (works on stopped containers), or undefined. */
  containerFile(id: string, path: string): Promise<Buffer | undefined>;
  /** Whether a path (file, directory or symlink) exists in a container's filesystem, from the archive API's status. */
  containerPathExists(id: string, path: string): Promise<boolean>;
  /** The path's own archive entry in a container (type, permission bits, a file's content), or undefined when absent. */
  containerFileEntry(id: string, path: string): Promise<ArchiveEntry | undefined>;
  networks(): Promise<NetworkSummary[]>;
  /** Podman only: its networks from libpod's list, which says which resolve container names (the compat list does not). */
  podmanNetworks(): Promise<PodmanNetwork[]>;
  images(): Promise<ImageSummary[]>;
  /** Every volume (GET /volumes), listed once. */
  volumes(): Promise<VolumeSummary[]>;
  /**
   * What the engine's disk holds (GET /system/df: images, containers, volumes, build cache, reclaimable amounts). Slow on a
   * big host: ask only when the answer is needed. Rejects when the engine does not answer within the request timeout.
   */
  systemDf(): Promise<DiskUsage>;
  /** OOM events the daemon recorded for a container (it keeps the last 256 events of any kind, in memory). */
  oomEvents(containerId: string, sinceMs: number): Promise<number>;
  /** Whether another socket on this machine (a Podman socket beside the endpoint) answers a ping. */
  socketAnswers(socketPath: string): Promise<boolean>;
  /** Starts a labelled, short-lived probe container (only for --probe) and removes it. */
  probe(spec: Omit<ProbeSpec, 'signal'>, signal?: AbortSignal): Promise<ProbeResult>;
}

/** This machine: the user, its files, services, sockets and commands (src/facts/host/facts.ts, keys `host.*`). */
export interface HostFacts {
  stat(path: string): Promise<FileStat | null>;
  /** Entry names of a directory, or null when it cannot be listed. */
  listDir(path: string): Promise<string[] | null>;
  identity(): Promise<UserIdentity>;
  groupDb(): Promise<GroupEntry[]>;
  passwdDb(): Promise<PasswdEntry[]>;
  /** The Docker service as systemd sees it; empty where there is no systemd. */
  dockerServices(): Promise<ServiceState[]>;
  /** Podman's socket units (`podman.socket`) as systemd sees them, system and user; empty where there is no systemd. */
  podmanServices(): Promise<ServiceState[]>;
  /** What `<command> --version` prints, or undefined when the command is not on PATH or fails (`docker` may be podman-docker's shim). */
  commandVersion(command: 'docker' | 'dockerd' | 'podman'): Promise<string | undefined>;
  /** Other places a Docker-compatible socket may live on this machine (rootless, Desktop, Podman). */
  socketCandidates(): Promise<{ path: string; kind: string }[]>;
  /** Listening TCP and bound UDP sockets on this host, with their processes where visible. */
  listeners(): Promise<Listener[]>;
  /**
   * TCP listeners in the network namespace of a running container's process (`State.Pid`), read from /proc on this
   * host; null when they cannot be read (not Linux, process gone, another user's process and not root). Only for a
   * local engine: a remote engine's pids mean nothing here.
   */
  namespaceListeners(pid: number): Promise<Listener[] | null>;
  /**
   * Whether a process (a container's `State.Pid`) lives in a network namespace other than this process's, so that its
   * namespaceListeners are its own and not the host's: 'other', 'own', or undefined when it cannot be told.
   */
  netNamespace(pid: number): Promise<'own' | 'other' | undefined>;
  /** Size and free space and inodes of the file system holding a path (statfs), or why it cannot be measured. */
  diskSpace(path: string): Promise<DiskReading>;
  /** net.ipv4.ip_unprivileged_port_start, when readable. */
  unprivilegedPortStart(): Promise<number | undefined>;
  subordinateIds(): Promise<{ uid: SubIdRange[]; gid: SubIdRange[] }>;
  selinuxEnforcing(): Promise<boolean>;
  /**
   * Why a file that exists cannot be read as text (not a regular file, too large, permission denied); undefined when
   * it can, or is missing.
   */
  readProblem(path: string): Promise<string | undefined>;
  /** A text file on this host (undefined when missing or unreadable). */
  hostFile(path: string): Promise<string | undefined>;
  /** The kernel log (dmesg), when this user may read it; OOM kills the daemon missed are there. */
  kernelLog(): Promise<string | undefined>;
  /** Where this engine reads daemon.json: /etc/docker for rootful, $XDG_CONFIG_HOME/docker for rootless. */
  daemonConfigFile(rootless: boolean): string;
  /**
   * The compose command this host has: `docker compose` (v2 plugin) or `docker-compose` (v1, standalone);
   * `docker compose` when neither answers.
   */
  composeCommand(): Promise<'docker compose' | 'docker-compose'>;
  /** Where the user runs docker-doctor (the process's directory; the project directory when not known). */
  workingDirectory(): string;
  /** This host's IPv4 routes that are up (/proc/net/route); null where they cannot be read (not Linux). */
  routes(): Promise<HostRoute[] | null>;
  /** That compose's version (`2.24.5`, `1.29.2`), or undefined when it does not answer; runs it, so only for findings that need it. */
  composeVersion(): Promise<string | undefined>;
}

/** The project directory: its Dockerfiles, compose files and build contexts (src/facts/project/facts.ts, keys `project.*`). */
export interface ProjectFacts {
  projectFiles(): Promise<ProjectFiles>;
  /** The project's compose model, or null when it has no compose file. */
  compose(): Promise<ComposeProject | null>;
  /**
   * The compose files a running project was started with (its labels), read once per file list; locations relative
   * to the project directory.
   */
  composeAt(files: string[], workingDir: string): Promise<ComposeProject | null>;
  dockerfiles(): Promise<ParsedDockerfile[]>;
  /** One Dockerfile, parsed once (`file` is its path relative to the project, for locations). */
  dockerfileAt(absPath: string, file: string): Promise<ParsedDockerfile | undefined>;
  /** A build's Dockerfile, parsed once: its file, or its compose dockerfile_inline with compose line numbers. */
  buildDockerfile(build: BuildSpec): Promise<ParsedDockerfile | undefined>;
  /** Every build of the project with its context and ignore file. */
  builds(): Promise<BuildSpec[]>;
  /** What the builder would receive from a build's context, walked once with the ignore rules. */
  contextScan(build: BuildSpec, rules: IgnoreRules | undefined, budgetMs: number): Promise<ContextScan>;
  /** What a scan's ignore file keeps out (the pruned directories walked in full); only for findings that need it. */
  contextIgnored(scan: ContextScan, budgetMs: number): Promise<IgnoredSize>;
}

/** What a check reads through ctx.facts: every domain's providers, plus the run itself. */
export interface Facts extends DockerFacts, HostFacts, ProjectFacts {
  /** Wall-clock time, injectable so age rules are testable. */
  now(): number;
  platform(): NodeJS.Platform;
  /** Resolves the named fact or rejects with FactUnavailable. */
  need(name: FactName): Promise<unknown>;
  /** The value of a fact only if some check already asked for it. */
  peek<T>(key: string): Promise<T> | undefined;
  /** The values of every fact some check already asked for whose key starts with the prefix. */
  peekAll<T>(prefix: string): Promise<T>[];
}
