import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { RunnerEvents } from '../engine/runner.js';
import type { Check, CheckResult } from '../engine/types.js';

/** Live progress on stderr for a TTY: one spinner per check, driven by the runner's events, cleared when done. */
export function startProgress(checks: readonly Check[], stream: NodeJS.WriteStream): { events: RunnerEvents; finished: Promise<void> } {
  const pending = new Map<string, (result: CheckResult) => void>();
  const results = new Map(
    checks.map((check) => [check.meta.id, new Promise<CheckResult>((resolve) => pending.set(check.meta.id, resolve))]),
  );
  const list = new Listr(
    checks.map((check) => ({
      title: `${check.meta.id}: ${check.meta.title}`,
      task: async (_ctx: unknown, task: { title: string; skip(message?: string): void }) => {
        const result = await results.get(check.meta.id)!;
        if (result.status === 'skipped') task.skip(`${check.meta.id}: skipped (${result.skipReason})`);
        else task.title = `${check.meta.id}: ${result.status}${findingCount(result)}`;
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      rendererOptions: { clearOutput: true, logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(stream, stream) }) },
    },
  );
  const finished = list.run().then(
    () => undefined,
    () => undefined,
  );
  return {
    events: { onFinish: (check, result) => pending.get(check.meta.id)?.(result) },
    finished,
  };
}

/** " (2 findings)", or nothing for a check without findings. */
function findingCount(result: CheckResult): string {
  const count = result.findings.length;
  return count === 0 ? '' : ` (${count} finding${count === 1 ? '' : 's'})`;
}
