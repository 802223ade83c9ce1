import type { Fix, Location, Severity } from '../../src/engine/types.js';
import type { ContainerInspect } from '../../src/facts/docker/types.js';
import { containerName, formatBytes, formatDuration, runtimeMs } from '../shared/containers.js';
import { logLines, matchLogSignature, type LogMatch } from '../shared/logs.js';
import { shortError } from '../shared/start-errors.js';
import { formatMode } from '../shared/permissions.js';
import type { CommandProblem } from './missing-command.js';
import type { ExitedCause } from './codes.js';
import { foregroundFixes } from './foreground-fix.js';
import { ranCommand, SHELLS, type Daemoniser } from './daemonising.js';
import { memoryFixes } from './memory-fix.js';
import { DOCKER_CLI, dropRestartFix, engineCommand, hubImage, stopLoopCommand, type EngineCli } from '../shared/engine-cli.js';
import type { StayUpEvidence } from './intent.js';
import { prose } from '../../src/util/text.js';

export interface Diagnosis {
  cause: ExitedCause;
  severity?: Severity;
  title: string;
  fixes: Fix[];
  match?: LogMatch;
}

/** What an exit code means, in words, per the docker run reference. */
export function exitCodeMeaning(code: number, oomKilled: boolean): string {
  switch (code) {
    case 0:
      return 'the main process finished';
    case 1:
      return 'the application failed';
    case 2:
      return 'a shell or CLI usage error';
    case 125:
      return 'the docker CLI could not run the container';
    case 126:
      return 'the command could not be executed';
    case 127:
      return 'the command was not found';
    case 128:
      return 'the daemon could not start it';
    case 130:
      return 'interrupted (SIGINT, Ctrl-C)';
    case 134:
      return 'aborted (SIGABRT)';
    case 137:
      return oomKilled ? 'killed for running out of memory' : 'killed (SIGKILL)';
    case 139:
      return 'a segmentation fault (SIGSEGV)';
    case 143:
      return 'stopped (SIGTERM)';
    case 255:
      return 'the runtime could not exec the command';
    default:
      return code > 128 && code < 160 ? `killed by signal ${code - 128}` : 'the application failed';
  }
}

const logsFix = (cli: EngineCli, name: string): Fix => ({
  title: 'Read its last log lines',
  command: engineCommand(cli, `logs --tail 100 ${name}`),
});
const shellFix = (cli: EngineCli, inspect: ContainerInspect): Fix => ({
  title: 'Look inside the image with a shell instead of its command',
  command: engineCommand(cli, `run --rm -it --entrypoint sh ${inspect.Config.Image ?? inspect.Image}`),
});
const removeFix = (cli: EngineCli, name: string, title = 'Remove the container that was left behind'): Fix => ({
  title,
  command: engineCommand(cli, `rm ${name}`),
});

/** What the check found out beyond the container's state, for a container that exited 0 at once. */
export interface ExitContext {
  daemoniser?: Daemoniser;
  stayUp?: StayUpEvidence;
  /** Where the project sets the command (compose or Dockerfile line). */
  location?: Location;
  /** The engine's command line, for fixes that differ on Podman (no `update --restart`). */
  cli?: EngineCli;
}

/** Diagnoses one container from its state and (for failures) its log tail. Undefined means nothing worth saying. */
export function diagnoseExit(
  inspect: ContainerInspect,
  logs: string,
  restarting: boolean,
  context: ExitContext = {},
): Diagnosis | undefined {
  const cli = context.cli ?? DOCKER_CLI;
  if (restarting) return restartLoop(inspect, logs, context, cli);
  if (inspect.State.Status === 'created' && inspect.State.Error) return startFailure(inspect, cli);
  return exitedWith(inspect, matchLogSignature(logs), context, cli);
}

/** A container the restart policy keeps restarting: the loop is the finding, with what makes it exit. */
function restartLoop(inspect: ContainerInspect, logs: string, context: ExitContext, cli: EngineCli): Diagnosis {
  const name = containerName(inspect);
  const code = inspect.State.ExitCode;
  const restarts = `${inspect.RestartCount} restart${inspect.RestartCount === 1 ? '' : 's'}`;
  // Between restarts the container runs and State.ExitCode reads 0: only a stopped phase knows the last exit code.
  const phase = inspect.State.Running ? 'it is up again for now' : `it last exited with code ${code}`;
  // A daemonising command loops with exit 0: the restart policy keeps re-running a command that forks and returns.
  const daemoniser = code === 0 ? context.daemoniser : undefined;
  return {
    cause: 'restart-loop',
    title: daemoniser
      ? prose`
        Container ${name} is restarting in a loop (${restarts}); ${phase}: its command \`${daemoniser.program}\` does not stay in the
        foreground (${daemoniser.why})
      `
      : `Container ${name} is restarting in a loop (${restarts}); ${phase}: ${restartCause(inspect, logs)}`,
    match: matchLogSignature(logs),
    fixes: [
      ...(daemoniser ? foregroundFixes(inspect, daemoniser, context.location, cli) : [logsFix(cli, name)]),
      { title: 'Stop the loop while you debug it', command: stopLoopCommand(cli, name) },
      ...(daemoniser ? [] : [shellFix(cli, inspect)]),
    ],
  };
}

/** A container that exited (once): what its exit code, and the log line that matches a known failure, say. */
function exitedWith(inspect: ContainerInspect, match: LogMatch | undefined, context: ExitContext, cli: EngineCli): Diagnosis | undefined {
  const name = containerName(inspect);
  const code = inspect.State.ExitCode;
  const command = ranCommand(inspect);
  const ran = runtimeText(inspect);
  switch (code) {
    case 0:
      return finishedQuickly(inspect, ran, context, cli);
    case 126:
      return {
        cause: 'not-executable',
        title: `Container ${name} exited with code 126${ran}: \`${command}\` could not be executed`,
        match,
        fixes: [chmodFix(inspect), logsFix(cli, name)],
      };
    case 127:
      return {
        cause: 'command-not-found',
        title: prose`
          Container ${name} exited with code 127${ran}:
          ${match?.signature.id === 'not-found' ? `"${match.line.trim()}"` : `\`${command}\` was not found`}
        `,
        match,
        fixes: [{ title: 'Check whether the command exists in the image', command: existsCommand(cli, inspect) }, logsFix(cli, name)],
      };
    case 137:
      return killed(inspect, ran, match, cli);
    case 130:
    case 143:
      return undefined; // Stopped by the user.
    case 255:
      return runtimeExecFailure(inspect, code, ran, match, cli);
    case 134:
    case 139:
      return {
        cause: 'crashed-by-signal',
        title: `Container ${name} crashed with ${exitCodeMeaning(code, false)} (exit ${code})${ran}`,
        match,
        fixes: [logsFix(cli, name), shellFix(cli, inspect)],
      };
    default:
      return appError(inspect, code, ran, match, cli);
  }
}

/** Exit 137: the OOM killer (by the daemon's word) or another SIGKILL. */
function killed(inspect: ContainerInspect, ran: string, match: LogMatch | undefined, cli: EngineCli): Diagnosis {
  const name = containerName(inspect);
  if (inspect.State.OOMKilled) {
    const limit = inspect.HostConfig.Memory;
    return {
      cause: 'oom-killed',
      title: limit
        ? `Container ${name} was killed for exceeding its ${formatBytes(limit)} memory limit (exit 137, OOMKilled)${ran}`
        : prose`
          Container ${name} was killed by the kernel's OOM killer (exit 137)${ran}: it has no memory limit of its own, so the host (or a
          parent cgroup) ran out of memory
        `,
      match,
      fixes: memoryFixes(inspect, cli),
    };
  }
  return {
    cause: 'killed',
    title: `Container ${name} was killed with SIGKILL (exit 137)${ran}`,
    fixes:
      inspect.Path === '/bin/sh' && inspect.Args?.[0] === '-c'
        ? [
            {
              title: 'Its command runs through /bin/sh -c, which does not forward SIGTERM: use the exec form',
              command: `CMD ["${inspect.Args[1]?.split(' ')[0] ?? 'app'}", "…"]`,
            },
          ]
        : [
            {
              title: `If \`${cli.cli} stop\` had to kill it, make the process handle SIGTERM, or run with an init`,
              command: engineCommand(cli, 'run --init …'),
            },
          ],
  };
}

/** Exit 255: the runtime could not exec the command (another CPU architecture, a CRLF #! line), else the app's own failure. */
function runtimeExecFailure(
  inspect: ContainerInspect,
  code: number,
  ran: string,
  match: LogMatch | undefined,
  cli: EngineCli,
): Diagnosis | undefined {
  const name = containerName(inspect);
  if (match?.signature.id === 'exec-format') {
    return {
      cause: 'exec-format-error',
      title: `Container ${name} cannot run on this machine: "${match.line.trim()}" (exit 255)`,
      match,
      fixes: platformFixes(cli),
    };
  }
  if (match?.signature.id === 'exec-missing') {
    return {
      cause: 'bad-interpreter',
      title: `Container ${name} could not exec its command: "${match.line.trim()}" (exit 255)`,
      match,
      fixes: [
        {
          title: 'Strip Windows line endings from the script, in the Dockerfile or the checkout',
          command: `sed -i 's/\\r$//' ${inspect.Path}`,
        },
        { title: 'Keep scripts LF in git', command: "echo '*.sh text eol=lf' >> .gitattributes" },
      ],
    };
  }
  return appError(inspect, code, ran, match, cli);
}

/** An image built for another CPU: build it for this one (Podman builds several platforms into a manifest list), or emulate. */
function platformFixes(cli: EngineCli): Fix[] {
  const build = cli.podmanCli
    ? engineCommand(cli, 'build --platform linux/amd64,linux/arm64 --manifest <image> …')
    : engineCommand(cli, 'buildx build --platform linux/amd64,linux/arm64 …');
  return [
    { title: 'Build or pull the image for this platform', command: build },
    {
      title: 'Or register emulators to run foreign images',
      command: engineCommand(cli, `run --privileged --rm ${hubImage(cli, 'tonistiigi/binfmt')} --install all`),
    },
  ];
}

function existsCommand(cli: EngineCli, inspect: ContainerInspect): string {
  const image = inspect.Config.Image ?? inspect.Image;
  const probe = inspect.Path.includes('/')
    ? `ls -l ${inspect.Path}`
    : `command -v ${inspect.Path} || echo "${inspect.Path} is not on PATH: $PATH"`;
  return engineCommand(cli, `run --rm --entrypoint sh ${image} -c '${probe}'`);
}

function chmodFix(inspect: ContainerInspect): Fix {
  return { title: 'Make it executable in the Dockerfile (or copy it with COPY --chmod=0755)', command: `RUN chmod +x ${inspect.Path}` };
}

function appError(inspect: ContainerInspect, code: number, ran: string, match: LogMatch | undefined, cli: EngineCli): Diagnosis {
  const name = containerName(inspect);
  const why = match ? `${match.signature.meaning}: "${match.line.trim()}"` : exitCodeMeaning(code, false);
  return {
    cause: 'app-error',
    title: `Container ${name} exited with code ${code}${ran}: ${why}`,
    match,
    fixes: [logsFix(cli, name), shellFix(cli, inspect)],
  };
}

function bareShellExit(inspect: ContainerInspect, shell: string, ran: string, cli: EngineCli): Diagnosis {
  return {
    cause: 'shell-without-tty',
    title: `Container ${containerName(inspect)} runs a bare \`${shell}\` with no terminal, so it exited 0${ran}`,
    fixes: [
      {
        title: 'Keep an interactive shell alive',
        command: engineCommand(cli, `run -dit ${inspect.Config.Image ?? inspect.Image} ${shell}`),
      },
      // No placeholder in a command: `<server command>` typed into a shell is a redirection.
      { title: 'Or give the container a long-running command that stays in the foreground' },
    ],
  };
}

function finishedQuickly(inspect: ContainerInspect, ran: string, context: ExitContext, cli: EngineCli): Diagnosis {
  const name = containerName(inspect);
  const cmd = [...(inspect.Config.Entrypoint ?? []), ...(inspect.Config.Cmd ?? [])];
  const bareShell = cmd.length === 1 && SHELLS.test(cmd[0]!) && !inspect.Config.Tty && !inspect.Config.OpenStdin;
  const policy = inspect.HostConfig.RestartPolicy?.Name ?? '';
  const { daemoniser, stayUp } = context;
  const configured = ranCommand(inspect);
  if (bareShell) return bareShellExit(inspect, cmd[0]!, ran, cli);
  const restartsForever = policy === 'always' || policy === 'unless-stopped';
  if (daemoniser) {
    // The command explains the exit; how loud to be depends on whether anything says the user wanted it up.
    const meant = (stayUp?.against.length ?? 0) === 0 && (restartsForever || (stayUp?.strong.length ?? 0) > 0 || stayUp?.detached === true);
    return {
      cause: 'daemonized',
      ...(meant ? {} : { severity: 'info' as const }),
      title: prose`
        Container ${name} exited 0${ran} because its command \`${daemoniser.program}\` does not stay in the foreground: ${daemoniser.why}
      `,
      fixes: foregroundFixes(inspect, daemoniser, context.location, cli),
    };
  }
  if (restartsForever) {
    return {
      cause: 'not-long-running',
      title: `Container ${name} has restart policy "${policy}" but its command \`${configured}\` finishes${ran}`,
      fixes: [dropRestartFix(cli, name)],
    };
  }
  if (stayUp?.strong.length && !stayUp.against.length) {
    return {
      cause: 'server-exited',
      title: prose`
        Container ${name} exited 0${ran} although ${stayUp.strong.join(' and ')}: its command \`${configured}\` finished, so nothing kept it
        running
      `,
      fixes: [
        logsFix(cli, name),
        {
          title: 'Give it a command that stays in the foreground (a server in its foreground mode, not one that forks into the background)',
        },
        shellFix(cli, inspect),
      ],
    };
  }
  return {
    cause: 'finished',
    title: `Container ${name} exited 0${ran}: its command \`${configured}\` finished, so nothing kept it running`,
    fixes: [{ title: 'If it should stay up, give it a command that stays in the foreground (not one that forks into the background)' }],
  };
}

function startFailure(inspect: ContainerInspect, cli: EngineCli): Diagnosis {
  const name = containerName(inspect);
  const error = inspect.State.Error;
  if (/executable file not found|no such file or directory/i.test(error)) {
    return {
      cause: 'command-not-found',
      title: `Container ${name} never started: ${shortError(error)}`,
      fixes: [{ title: 'Check whether the command exists in the image', command: existsCommand(cli, inspect) }, removeFix(cli, name)],
    };
  }
  if (/permission denied/i.test(error)) {
    return {
      cause: 'not-executable',
      title: `Container ${name} never started: ${shortError(error)}`,
      fixes: [chmodFix(inspect), removeFix(cli, name)],
    };
  }
  return {
    cause: 'start-failed',
    title: `Container ${name} never started: ${shortError(error)}`,
    fixes: [removeFix(cli, name, 'Fix the error, then remove the container that was left behind and run it again')],
  };
}

/**
 * A container that never started and recorded no error (Podman): its command is nowhere the runtime looks for it, or
 * is a path the runtime cannot execute (what Docker reports as exit 126, "permission denied").
 */
export function silentStartDiagnosis(inspect: ContainerInspect, problem: CommandProblem, cli: EngineCli): Diagnosis {
  const name = containerName(inspect);
  if (problem.kind === 'not-executable') {
    const what = problem.directory ? 'a directory' : `not executable (mode ${formatMode(problem.mode)})`;
    return {
      cause: 'not-executable',
      title: `Container ${name} never started: its command \`${problem.path}\` is ${what}`,
      fixes: [
        problem.directory ? { title: `Set the command to the program inside ${problem.path}, not the directory` } : chmodFix(inspect),
        removeFix(cli, name),
      ],
    };
  }
  return {
    cause: 'command-not-found',
    title: prose`
      Container ${name} never started: its command \`${inspect.Path}\` is not in the image (looked for ${problem.searched.join(', ')})
    `,
    fixes: [{ title: 'Check whether the command exists in the image', command: existsCommand(cli, inspect) }, removeFix(cli, name)],
  };
}

function restartCause(inspect: ContainerInspect, logs: string): string {
  const match = matchLogSignature(logs);
  if (match) return `${match.signature.meaning} ("${match.line.trim()}")`;
  const last = logLines(logs).at(-1);
  const lastLine = last ? `last log line "${last.length > 200 ? `${last.slice(0, 200)}…` : last}"` : 'see its logs';
  return inspect.State.Running ? lastLine : `${exitCodeMeaning(inspect.State.ExitCode, inspect.State.OOMKilled)}; ${lastLine}`;
}

function runtimeText(inspect: ContainerInspect): string {
  const ran = runtimeMs(inspect);
  return ran === undefined ? '' : ` after ${formatDuration(ran)}`;
}
