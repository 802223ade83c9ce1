/** The subset of Engine API shapes the checks read. Fields are optional where older engines omit them. */

export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: 'tcp' | 'udp' | 'sctp';
}

export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster' | 'image';
  Name?: string;
  Source: string;
  Destination: string;
  Mode?: string;
  RW: boolean;
  Propagation?: string;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  State: 'created' | 'restarting' | 'running' | 'removing' | 'paused' | 'exited' | 'dead';
  Status: string;
  Ports: PortSummary[];
  Labels: Record<string, string> | null;
  Mounts?: MountPoint[];
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, { NetworkID?: string; IPAddress?: string }> | null };
}

/** One run of a container's health probe, as the engine keeps the last five. */
export interface HealthProbe {
  Start?: string;
  End?: string;
  ExitCode: number;
  Output: string;
}

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Path: string;
  Args: string[];
  Image: string;
  RestartCount: number;
  State: {
    Status: ContainerSummary['State'];
    Running: boolean;
    Restarting: boolean;
    OOMKilled: boolean;
    Dead?: boolean;
    Pid: number;
    ExitCode: number;
    Error: string;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string; FailingStreak: number; Log?: HealthProbe[] | null };
  };
  HostConfig: {
    Binds?: string[] | null;
    GroupAdd?: string[] | null;
    NetworkMode?: string;
    PortBindings?: Record<string, PortBinding[] | null> | null;
    RestartPolicy?: { Name: string; MaximumRetryCount?: number };
    Memory?: number;
    ReadonlyRootfs?: boolean;
    UsernsMode?: string;
    Dns?: string[] | null;
    DnsOptions?: string[] | null;
    DnsSearch?: string[] | null;
    LogConfig?: { Type: string; Config?: Record<string, string> };
  };
  Config: {
    Hostname?: string;
    User?: string;
    Env?: string[] | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    Image?: string;
    Tty?: boolean;
    OpenStdin?: boolean;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, object> | null;
    StopTimeout?: number;
    Healthcheck?: HealthConfig | null;
  };
  Mounts: MountPoint[];
  NetworkSettings?: {
    Ports?: Record<string, PortBinding[] | null> | null;
    Networks?: Record<string, { NetworkID?: string; IPAddress?: string; Aliases?: string[] | null; DNSNames?: string[] | null }> | null;
  };
  ResolvConfPath?: string;
  LogPath?: string;
}

/** A container's or image's health check; durations are nanoseconds, 0 meaning the default. */
export interface HealthConfig {
  /** `["NONE"]`, `["CMD", …]` or `["CMD-SHELL", "…"]`. */
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  Architecture?: string;
  Variant?: string;
  Os?: string;
  Config?: {
    User?: string;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    WorkingDir?: string;
    Env?: string[] | null;
    ExposedPorts?: Record<string, object> | null;
    Volumes?: Record<string, object> | null;
    Healthcheck?: HealthConfig | null;
  } | null;
}

export interface NetworkSummary {
  Name: string;
  Id: string;
  Driver: string;
  Internal?: boolean;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
}

export interface ImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  Size?: number;
}

export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_SERVICE = 'com.docker.compose.service';
export const COMPOSE_WORKING_DIR = 'com.docker.compose.project.working_dir';
/** Comma-separated compose files of the project: absolute with compose v2, as typed (relative to working_dir) with v1. */
export const COMPOSE_CONFIG_FILES = 'com.docker.compose.project.config_files';
/** `True` on a container made by `docker compose run`: its command and ports are the run's, not the service's. */
export const COMPOSE_ONEOFF = 'com.docker.compose.oneoff';

/** The name users type: without the leading slash the API keeps. */
export function containerName(c: { Names?: string[]; Name?: string; Id: string }): string {
  // An empty or bare-slash name (a faulty daemon's answer) falls through to the next: a subject is never nameless.
  const named = [c.Name, c.Names?.[0]].map((n) => (typeof n === 'string' ? n.replace(/^\//, '') : '')).find((n) => n !== '');
  return named ?? (c.Id.slice(0, 12) || '(unnamed container)');
}
