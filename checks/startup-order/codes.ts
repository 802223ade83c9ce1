import type { FindingCodeMeta } from '../../src/engine/types.js';
import { composeProblemCodes } from '../shared/compose-problems.js';
import { prose } from '../../src/util/text.js';

const DEPENDS_ON_DOCS = 'https://docs.docker.com/compose/how-tos/startup-order/';

export const startupOrderCodes = {
  'no-healthcheck': {
    severity: 'error',
    summary: 'depends_on waits for service_healthy on a service that has no healthcheck',
    explanation: prose`
      \`condition: service_healthy\` makes compose wait until the dependency's container reports healthy, which only a container with a
      healthcheck ever does: one in the compose file (\`healthcheck:\`), or a HEALTHCHECK in its image. When the dependency has neither (or
      disables it with \`disable: true\` or \`test: ["NONE"]\`), compose refuses to start the dependent: "dependency failed to start:
      container db has no healthcheck configured" (Compose v1: 'Service "db" is missing a healthcheck configuration'). Give the
      dependency a healthcheck that succeeds once it accepts connections, or wait only for its container to start.
    `,
    docsUrl: DEPENDS_ON_DOCS,
  },
  'connected-before-ready': {
    severity: 'warning',
    summary: 'a container failed at start because a service it depends on was not accepting connections yet',
    explanation: prose`
      depends_on without a condition (the short form, a list of names, or \`condition: service_started\`) makes compose start the
      dependency's container first, and the dependent right after: it does not wait for the server inside to accept connections. A
      database initialising its data directory, or a broker loading, refuses connections for seconds after its container starts, so an
      application that connects once at start-up exits ("connection refused", ECONNREFUSED, "could not connect"), and stays down unless
      a restart policy brings it back. The container's logs show that failure, naming the dependency. Give the dependency a healthcheck
      that succeeds once it accepts connections and make the dependent wait for \`condition: service_healthy\`; where the compose in use
      has no conditions, a \`restart: on-failure\` policy retries until it is up.
    `,
    docsUrl: DEPENDS_ON_DOCS,
  },
  'started-not-ready': {
    severity: 'info',
    summary: 'depends_on waits only for a database, broker or health-checked service to start, not to be ready',
    explanation: prose`
      depends_on without a condition waits only until the dependency's container has started. A database, a broker or a service with a
      healthcheck usually needs seconds more before it accepts connections, and an application that connects once at start-up fails in
      between. Nothing here shows this project's application failing that way (an application that retries is fine), so this is a note:
      with a healthcheck on the dependency, \`condition: service_healthy\` makes compose wait until it is ready.
    `,
    docsUrl: DEPENDS_ON_DOCS,
  },
  ...composeProblemCodes,
} satisfies Record<string, FindingCodeMeta>;
