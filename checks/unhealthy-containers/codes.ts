import type { FindingCodeMeta } from '../../src/engine/types.js';
import { composeProblemCodes } from '../shared/compose-problems.js';
import { prose } from '../../src/util/text.js';

const HEALTH_DOCS = 'https://docs.docker.com/reference/dockerfile/#healthcheck';
const COMPOSE_DOCS = 'https://docs.docker.com/reference/compose-file/services/#healthcheck';

/** What an unhealthy container costs, said once in every runtime explanation. */
export const UNHEALTHY_COST = prose`
  An unhealthy container keeps running, but \`docker compose up\` refuses to start the services that wait for it with \`condition:
  service_healthy\` ("dependency failed to start: container x is unhealthy"), and orchestrators and load balancers stop sending it traffic.
`;

export const healthCodes = {
  'tool-missing': {
    severity: 'error',
    summary: 'the health check runs a program the image does not have',
    explanation: prose`
      The health check's command names a program (often curl) that is not in the container's filesystem or not on its PATH, so every probe
      fails with "not found" (exit 127 in a shell, "executable file not found" in exec form) and the container turns unhealthy however well
      the app runs. Slim, alpine, distroless and busybox images ship without curl; busybox and alpine have \`wget\`. ${UNHEALTHY_COST}
    `,
    docsUrl: HEALTH_DOCS,
  },
  'wrong-port': {
    severity: 'error',
    summary: 'the health check probes a port nothing listens on inside the container',
    explanation: prose`
      The health check connects to a port on localhost inside the container, but the container's processes listen on other ports (read
      from the container's network namespace in /proc), so every probe is refused. The probe runs inside the container: it must use the
      port the app listens on there, not the published host port. ${UNHEALTHY_COST}
    `,
    docsUrl: HEALTH_DOCS,
  },
  timeout: {
    severity: 'error',
    summary: 'the health check does not finish within its timeout',
    explanation: prose`
      The engine kills a probe that runs longer than the health check's timeout (30 s by default) and counts it as a failure ("Health
      check exceeded timeout"). The endpoint is slow or hangs, the probe waits on a host that does not answer, or the timeout is shorter
      than the endpoint needs. ${UNHEALTHY_COST}
    `,
    docsUrl: HEALTH_DOCS,
  },
  'exec-form-spaces': {
    severity: 'error',
    summary: 'an exec-form test holds the whole command line in one word',
    explanation: prose`
      \`["CMD", "curl -f http://localhost/"]\` runs a program whose name is the whole string, spaces included: there is none, so the probe
      fails before it starts ("stat curl -f …: no such file or directory"). In exec form every argument is its own list item; a
      command line as one string needs \`CMD-SHELL\`. ${UNHEALTHY_COST}
    `,
    docsUrl: HEALTH_DOCS,
  },
  'needs-shell': {
    severity: 'error',
    summary: 'an exec-form test uses shell syntax (&&, ||, |, $VAR) without a shell',
    explanation: prose`
      In exec form (\`["CMD", …]\`) no shell runs: \`&&\`, \`||\`, \`|\`, \`;\`, redirections and \`$VAR\` reach the program as plain
      arguments,      so \`curl -f http://localhost/ || exit 1\` passes "||", "exit" and "1" to curl. Use \`CMD-SHELL\` (or a bare string in compose) for a
      command line that needs a shell. ${UNHEALTHY_COST}
    `,
    docsUrl: HEALTH_DOCS,
  },
  failing: {
    severity: 'error',
    summary: 'the health check fails',
    explanation: prose`
      The container's health check keeps failing and none of the known causes (a missing tool, a wrong port, a timeout, exec form
      mistakes) explains it: the last probe's exit code and output say what the probe saw. ${UNHEALTHY_COST}
    `,
    docsUrl: HEALTH_DOCS,
  },
  'never-run': {
    severity: 'info',
    summary: 'Podman has not run the health check (no systemd timer)',
    explanation: prose`
      Podman runs health checks from systemd timers it creates per container. Where its service runs without systemd (a container, a
      minimal host), no timer exists and the health stays "starting" for ever, so anything that waits for the container to be healthy
      waits for ever. \`podman healthcheck run <container>\` runs one probe by hand.
    `,
    docsUrl: 'https://docs.podman.io/en/latest/markdown/podman-healthcheck-run.1.html',
  },
  'slow-start': {
    severity: 'info',
    summary: 'the container was unhealthy while it started, then became healthy',
    explanation: prose`
      The health check failed \`retries\` times in a row after the start period, so the container was unhealthy for a while, then it
      passed: the app needs longer to start than \`start_period\` (plus retries × interval) allows. Anything that waited for it with
      \`condition: service_healthy\` failed meanwhile ("dependency failed to start: container x is unhealthy"). A longer start period
      covers the start without slowing the check down afterwards.
    `,
    docsUrl: HEALTH_DOCS,
  },
  'compose-test-form': {
    severity: 'error',
    summary: 'a compose healthcheck test list starts with something other than CMD, CMD-SHELL or NONE',
    explanation: prose`
      When \`test:\` is a list its first item says how to run the rest: \`CMD\` (exec form), \`CMD-SHELL\` (a shell command line) or
      \`NONE\`. Compose refuses a list that starts with the program itself ("when \\"test\\" is a list the first item must be either NONE,
      CMD or CMD-SHELL"). A bare string (\`test: curl -f http://localhost/\`) is run by a shell, like CMD-SHELL.
    `,
    docsUrl: COMPOSE_DOCS,
  },
  'compose-duration': {
    severity: 'error',
    summary: 'a compose healthcheck duration has no unit',
    explanation: prose`
      \`interval\`, \`timeout\`, \`start_period\` and \`start_interval\` are durations written with a unit (\`30s\`, \`1m30s\`,
      \`500ms\`). A bare
      number such as \`interval: 30\` is refused by compose ("should be a string", "missing unit in duration").
    `,
    docsUrl: COMPOSE_DOCS,
  },
  'compose-disable-with-test': {
    severity: 'info',
    summary: 'a compose healthcheck sets disable: true and a test',
    explanation: prose`
      \`disable: true\` turns the health check off (the image's too), so the \`test\` beside it never runs and nothing waits on it: one of
      the two is a leftover. If the check is off on purpose, the test can go; if it should run, remove \`disable: true\`.
    `,
    docsUrl: COMPOSE_DOCS,
  },
  'image-lacks-tool': {
    severity: 'error',
    summary: "the project's health check calls a tool its base image does not install",
    explanation: prose`
      The HEALTHCHECK (or the compose healthcheck of a service built here) runs curl or wget, but the final stage's base image does not
      have it and no RUN line installs it: alpine and busybox have wget but not curl; slim Debian and Ubuntu images have neither;
      distroless and scratch have no shell and neither tool. Every probe will fail with "not found" and the container will be unhealthy.
    `,
    docsUrl: HEALTH_DOCS,
  },
  ...composeProblemCodes,
} satisfies Record<string, FindingCodeMeta>;
