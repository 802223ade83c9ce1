import type { FindingCodeMeta } from '../../src/engine/types.js';
import { prose } from '../../src/util/text.js';

const RUN_DOCS = 'https://docs.docker.com/reference/cli/docker/container/run/#exit-status';

export const exitedCodes = {
  'command-not-found': {
    severity: 'error',
    summary: 'the command does not exist in the image (exit 127)',
    explanation: prose`
      The container's command or entrypoint names a program that is not in the image or not on its PATH, so the runtime could not start it
      (exit code 127, or a start error such as \`exec: "x": executable file not found in $PATH\`). Typical causes: a slim or distroless base
      image without the tool, a typo in CMD/ENTRYPOINT, or a path that only exists on your machine.
    `,
    docsUrl: RUN_DOCS,
  },
  'not-executable': {
    severity: 'error',
    summary: 'the command exists but cannot be executed (exit 126)',
    explanation: prose`
      The program exists but the kernel refused to run it (exit code 126): the file lacks the executable bit (common for scripts copied from
      Windows or created without chmod), it is a directory, or it sits on a noexec mount.
    `,
    docsUrl: RUN_DOCS,
  },
  'exec-format-error': {
    severity: 'error',
    summary: 'the binary is for another CPU architecture',
    explanation: prose`
      The runtime's final execve failed with "exec format error": the image (or one binary in it) was built for another architecture, such
      as an amd64 image on an arm64 host, and no emulator is registered. runc exits 255 in this case.
    `,
    docsUrl: 'https://docs.docker.com/build/building/multi-platform/',
  },
  'bad-interpreter': {
    severity: 'error',
    summary: "the script's interpreter or loader is missing (often a CRLF #! line)",
    explanation: prose`
      "exec …: no such file or directory" for a file that exists means the kernel could not find what the file needs to run: the interpreter
      named on its #! line (a Windows checkout turns "#!/bin/sh" into "#!/bin/sh\\r"), or the glibc loader of a binary copied into a musl
      (alpine) image.
    `,
    docsUrl: RUN_DOCS,
  },
  'oom-killed': {
    severity: 'error',
    summary: 'killed by the out-of-memory killer',
    explanation: prose`
      The kernel's OOM killer ended the main process (exit 137 with OOMKilled=true). With a memory limit (-m, mem_limit,
      deploy.resources.limits.memory) the container reached it: the fix suggests twice the current limit, never less, and moves the swap
      limit with it. Without a limit of its own, the host (or a parent cgroup) ran out of memory and the kernel picked this process: a
      container limit would not help, so the fix looks at what uses the memory. Either way the application may need more memory than it has,
      or leak.
    `,
    docsUrl: 'https://docs.docker.com/engine/containers/resource_constraints/#memory',
  },
  'crashed-by-signal': {
    severity: 'error',
    summary: 'the process died from a signal (segfault, abort)',
    explanation: prose`
      An exit code of 128+n means the process was ended by signal n: 139 is SIGSEGV (a segmentation fault, often a native module built for
      another libc), 134 is SIGABRT (an abort, such as Node's heap-out-of-memory).
    `,
    docsUrl: RUN_DOCS,
  },
  'app-error': {
    severity: 'error',
    summary: 'the application exited with an error',
    explanation: prose`
      The main process started and then exited with a non-zero code of its own: the application failed (missing configuration or environment
      variables, a dependency it could not reach, a bad argument). Its last log lines usually say why.
    `,
    docsUrl: RUN_DOCS,
  },
  'restart-loop': {
    severity: 'error',
    summary: 'the container keeps restarting',
    explanation: prose`
      A restart policy restarts the container every time its process exits, and it keeps exiting, so it never stays up. The daemon backs off
      from 100 ms doubling up to 1 min between attempts. The last exit tells why it fails.
    `,
    docsUrl: 'https://docs.docker.com/engine/containers/start-containers-automatically/',
  },
  'start-failed': {
    severity: 'error',
    summary: 'the container could not be started',
    explanation: 'The daemon could not start the container and left it in the Created state with the error in State.Error.',
    docsUrl: RUN_DOCS,
  },
  'shell-without-tty': {
    severity: 'warning',
    summary: 'a shell with no terminal exits at once',
    explanation: prose`
      The container runs a bare shell (sh or bash) without -t and -i, so the shell reads end-of-file on stdin and exits 0 immediately. This
      is why \`docker run -d ubuntu\` "stops right away".
    `,
    docsUrl: 'https://docs.docker.com/reference/cli/docker/container/run/#interactive',
  },
  'not-long-running': {
    severity: 'warning',
    summary: 'a restart policy keeps re-running a command that finishes',
    explanation: prose`
      The command finishes successfully within seconds, but the restart policy (always/unless-stopped) expects a long-running process, so
      the daemon restarts it over and over. Either run a process that stays in the foreground, or drop the restart policy for one-shot jobs.
    `,
    docsUrl: 'https://docs.docker.com/engine/containers/start-containers-automatically/',
  },
  daemonized: {
    severity: 'warning',
    summary: 'its command forks into the background, so the container stops at once',
    explanation: prose`
      A container lives as long as its main process. Servers such as busybox httpd (without -f), Apache httpd (without -DFOREGROUND), nginx
      (without \`daemon off;\`), php-fpm (without -F), sshd (without -D), redis-server with \`daemonize yes\`, supervisord (without -n) and
      crond (without -f) fork a background copy of themselves and the process the runtime started exits 0; so do \`service x start\` and a
      shell command ending in \`&\`. The container then stops, and the background server dies with it. The fix is the foreground form of the
      same command, set where the project sets the command (compose \`command:\` or the Dockerfile CMD). It is a warning when something says
      the container was meant to stay up (started detached, published ports, a health check, a restart policy), and a note otherwise (an
      attached run, a one-off \`compose run\`, an on-failure restart policy).
    `,
    docsUrl: 'https://docs.docker.com/engine/containers/multi-service_container/',
  },
  'server-exited': {
    severity: 'warning',
    summary: 'a container meant to stay up exited 0 within seconds',
    explanation: prose`
      The main process finished successfully within seconds, but the container carries signs of a long-running service that one-shot jobs do
      not have: it publishes ports, it has a health check of its own, or it runs a server image (one that EXPOSEs ports) with the image's
      own command. Its command is not a process that stays in the foreground: a server that forks into the background, a script that starts
      something and returns, or a command that prints its usage and exits. A one-off \`compose run\` container or an on-failure restart
      policy (signs of a job) keep this a note.
    `,
    docsUrl: RUN_DOCS,
  },
  finished: {
    severity: 'info',
    summary: 'the command finished successfully right after starting',
    explanation: prose`
      The main process exited 0 within seconds: its command completed (for example \`echo\`, a migration or a build step). That is normal
      for one-shot jobs, so nothing here says the container was meant to stay up (no published ports, health check or server image; being
      started detached alone is not enough, since CI runners and scripts start jobs that way). If you expected a server, its command is not
      a long-running foreground process (a daemon that forks into the background exits the same way).
    `,
    docsUrl: RUN_DOCS,
  },
  killed: {
    severity: 'info',
    summary: 'killed with SIGKILL',
    explanation: prose`
      Exit 137 without OOMKilled means SIGKILL from outside: \`docker kill\`, or \`docker stop\` after the process ignored SIGTERM for the
      grace period (10 s). A shell-form CMD (\`/bin/sh -c …\`) is a common reason: the shell is PID 1 and does not forward SIGTERM to the
      application.
    `,
    docsUrl: 'https://docs.docker.com/reference/dockerfile/#shell-and-exec-form',
  },
} satisfies Record<string, FindingCodeMeta>;

export type ExitedCause = keyof typeof exitedCodes;
