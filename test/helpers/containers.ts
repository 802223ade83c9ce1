import type { ContainerInspect, ContainerSummary, MountPoint } from '../../src/facts/docker/types.js';
import { HEALTHY_ENGINE, type EngineRoutes } from './fakes.js';

export interface FakeContainer {
  id: string;
  name: string;
  image?: string;
  state?: ContainerSummary['State'];
  status?: string;
  exitCode?: number;
  oomKilled?: boolean;
  error?: string;
  startedAt?: string;
  finishedAt?: string;
  created?: string;
  restartCount?: number;
  restartPolicy?: string;
  restarting?: boolean;
  path?: string;
  args?: string[];
  cmd?: string[];
  entrypoint?: string[];
  user?: string;
  tty?: boolean;
  memory?: number;
  labels?: Record<string, string>;
  ports?: ContainerSummary['Ports'];
  portBindings?: ContainerInspect['HostConfig']['PortBindings'];
  mounts?: MountPoint[];
  logs?: string;
  files?: Record<string, string>;
}

const NOW = '2026-11-22T12:00:00Z';
export const minutesBefore = (minutes: number, seconds = 0) => new Date(Date.parse(NOW) - minutes * 60_000 - seconds * 1000).toISOString();

export function summary(c: FakeContainer): ContainerSummary {
  const state = c.state ?? 'exited';
  return {
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.image ?? 'busybox',
    ImageID: 'sha256:1',
    Command: [...(c.entrypoint ?? []), ...(c.cmd ?? [])].join(' '),
    Created: 0,
    State: state,
    Status:
      c.status ??
      (state === 'exited'
        ? `Exited (${c.exitCode ?? 0}) 2 minutes ago`
        : state === 'running'
          ? 'Up 2 hours'
          : state === 'created'
            ? 'Created'
            : 'Restarting (1) 1 second ago'),
    Ports: c.ports ?? [],
    Labels: c.labels ?? {},
    Mounts: c.mounts ?? [],
  };
}

export function inspect(c: FakeContainer): ContainerInspect {
  const state = c.state ?? 'exited';
  return {
    Id: c.id,
    Name: `/${c.name}`,
    Created: c.created ?? minutesBefore(10),
    Path: c.path ?? c.entrypoint?.[0] ?? c.cmd?.[0] ?? 'sh',
    Args: c.args ?? [...(c.entrypoint ?? []), ...(c.cmd ?? [])].slice(1),
    Image: 'sha256:1',
    RestartCount: c.restartCount ?? 0,
    State: {
      Status: state,
      Running: state === 'running',
      Restarting: c.restarting ?? state === 'restarting',
      OOMKilled: c.oomKilled ?? false,
      Pid: 0,
      ExitCode: c.exitCode ?? 0,
      Error: c.error ?? '',
      StartedAt: c.startedAt ?? (state === 'created' ? '0001-01-01T00:00:00Z' : minutesBefore(2, 1)),
      FinishedAt: c.finishedAt ?? (state === 'exited' ? minutesBefore(2) : '0001-01-01T00:00:00Z'),
    },
    HostConfig: {
      RestartPolicy: { Name: c.restartPolicy ?? 'no' },
      Memory: c.memory ?? 0,
      PortBindings: c.portBindings ?? {},
    },
    Config: {
      User: c.user ?? '',
      Cmd: c.cmd ?? ['sh'],
      Entrypoint: c.entrypoint ?? null,
      Image: c.image ?? 'busybox',
      Tty: c.tty ?? false,
      OpenStdin: false,
      Labels: c.labels ?? {},
    },
    Mounts: c.mounts ?? [],
  };
}

/** A tar archive holding one file, as GET /containers/{id}/archive returns it. */
export function tarOf(name: string, content: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  const body = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  body.write(content);
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}

/** Engine routes serving these containers, on top of a healthy daemon. */
export function engineWith(containers: FakeContainer[], extra: EngineRoutes = {}): EngineRoutes {
  const routes: EngineRoutes = { ...HEALTHY_ENGINE, '/containers/json': containers.map(summary), ...extra };
  for (const c of containers) {
    routes[`/containers/${c.id}/json`] = inspect(c);
    routes[`/containers/${c.id}/logs`] = c.logs ?? '';
    for (const [file, content] of Object.entries(c.files ?? {}))
      routes[`/containers/${c.id}/archive?path=${encodeURIComponent(file)}`] = tarOf(file.split('/').pop()!, content);
  }
  return routes;
}
