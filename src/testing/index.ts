/*
 * @docker-doctor/cli/testing: a kit for check authors. A table-driven tester that runs a check as the CLI does, and
 * builders for the world it looks at (containers, compose files, Dockerfiles, listeners, files). A separate entry:
 * nothing here loads when the CLI runs, and it needs no test framework at runtime.
 */
export {
  CheckTester,
  type BrokenCase,
  type CaseFacts,
  type SkippedCase,
  type ExpectedFinding,
  type TesterCase,
  type TesterCases,
} from './check-tester.js';
export { fakeFacts, overlayFs, type FakeWorld } from './facts.js';
export { fakeClients, SOCKET, type FakeClientOptions } from './clients.js';
export {
  container,
  containerInspect,
  containerSummary,
  engineWith,
  FAKE_NOW,
  jsonLogPath,
  minutesBefore,
  tarOf,
  type ContainerFields,
  type FakeContainer,
} from './containers.js';
export { fakeEngine, HEALTHY_ENGINE, type EngineRoutes } from './engine.js';
export { hostNamespaceProcFiles, listener, namespaceProcFiles, procFiles, type ListenerFields } from './listeners.js';
export { memoryFs, ROOMY_DISK, type FakeDisk, type FakeDisks, type FakeFile, type FakeFiles } from './memory-fs.js';
export { composeProject, dockerfile, type ComposeProjectOptions } from './project.js';
