import { defineCheck, FactUnavailable } from '../src/engine/define-check.js';
import type { FindingInput } from '../src/engine/types.js';
import { unreachableReason } from '../src/facts/docker/facts.js';
import { prose } from '../src/util/text.js';
import { configCodes } from './compose-config/codes.js';
import { reportEngineState } from './compose-config/engine-state.js';
import { reportReferences } from './compose-config/references.js';
import { reportSchemaErrors } from './compose-config/schema-findings.js';
import { reportUnsetVariables } from './compose-config/variables.js';
import { composeProblemCodes, reportComposeProblems } from './shared/compose-problems.js';

export default defineCheck({
  meta: {
    id: 'compose-config',
    title: 'The compose file means what it says',
    category: 'project',
    description: prose`
      Reads the project's compose files the way compose does and reports what compose would warn about or refuse before any container
      starts. Variables used without a default and set neither in the shell nor in the project's .env (compose puts an empty string in their
      place), each named with every file:line it is used at and never with a value, and a .env beside you that sets them but is not the .env
      compose reads. A $ inside the value of a password, token or key (POSTGRES_PASSWORD: "Xy7$Abc9") makes compose read the rest as a
      variable, set nowhere, so part of the secret is lost: that is said once per value, by its key and file:line, never by the variable,
      whose name is part of the secret ($$ writes a literal $). What compose refuses: an env_file that does not exist, a depends_on,
      network or named volume that names nothing declared, a service with neither image nor build, and any place a file breaks the
      Compose Specification's JSON schema (a misspelt key, a number where a string is meant). On the engine, when the daemon answers:
      networks and volumes declared external that do not exist, a container_name another container already has, and containers of this
      project whose service is no longer in the file (orphans). The obsolete top-level version: is a note.

      A compose file compose cannot read at all (invalid YAML, a required variable without a value) is reported once per run by the first
      compose reader, and then nothing else is judged. Only the services \`up\` starts are judged (profiles that are not enabled are left
      out), and the networks and volumes they use.
    `,
    requires: [],
    codes: { ...configCodes, ...composeProblemCodes },
  },
  async run(ctx) {
    const compose = await ctx.facts.compose();
    if (!compose) return ctx.skip('no compose file in the project');
    // A compose file compose refuses is reported once per run (by the check shared/compose-problems.ts names) and judged by none.
    if (!(await reportComposeProblems(ctx, compose)).usable) return;
    let reported = 0;
    const counted = {
      ...ctx,
      report: (finding: FindingInput) => {
        reported++;
        ctx.report(finding);
      },
    };
    await reportUnsetVariables(counted, compose);
    await reportReferences(counted, compose);
    await reportSchemaErrors(counted, compose);
    const connection = await ctx.facts.dockerConnection();
    let engineProblem = connection.reachable ? undefined : unreachableReason(connection);
    if (!engineProblem)
      await reportEngineState(counted, compose).catch((error: unknown) => {
        if (!(error instanceof FactUnavailable)) throw error;
        engineProblem = error.reason;
      });
    // The file itself was judged; what the engine has was not, and a pass would claim it was.
    if (engineProblem && reported === 0)
      ctx.skip(
        `${engineProblem}; external networks and volumes, container names and orphans were not checked (the files were, and are fine)`,
      );
  },
});
