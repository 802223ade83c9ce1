import type { CheckContext, FindingInput } from '../../src/engine/types.js';
import type { ComposeProject } from '../../src/facts/project/compose.js';
import type { dnsCodes } from './codes.js';

type Report = FindingInput & { cause: keyof typeof dnsCodes };

const LOCAL_TARGET = /(?:^|[/@=\s])(localhost|127\.0\.0\.1)(?::(\d+))/i;

/** Services whose environment points at localhost:<port> where another service of the project listens. */
export function diagnoseComposeLocalhost(_ctx: CheckContext, compose: ComposeProject, report: (r: Report) => void): void {
  for (const service of compose.services) {
    if (service.networkMode === 'host') continue;
    for (const variable of service.environment) {
      const m = LOCAL_TARGET.exec(variable.value);
      if (!m) continue;
      const port = m[2]!;
      const other = compose.services.find(
        (s) => s !== service && s.ports.some((p) => p.target.split('-')[0] === port || (p.published && Number(port) >= p.published.from && Number(port) <= p.published.to)),
      );
      if (!other) continue;
      report({
        cause: 'compose-localhost',
        title: `Service ${service.name} reaches ${m[1]}:${port} through ${variable.name} (${variable.at.file}:${variable.at.line}), but port ${port} is service ${other.name}'s; inside a container, localhost is the container itself`,
        subject: { kind: 'service', name: service.name },
        location: { file: variable.at.file, line: variable.at.line, column: variable.at.column },
        fixes: [{ title: `Address the other service by its name`, command: `${variable.name}=${variable.value.replace(m[1]!, other.name)}` }],
        evidence: { variable: variable.name, value: variable.value, service: other.name },
      });
    }
  }
}
