// The container builders live in the kit for check authors (src/testing); these names keep older tests' imports working.
export {
  containerInspect as inspect,
  containerSummary as summary,
  engineWith,
  minutesBefore,
  tarOf,
  type ContainerFields as FakeContainer,
} from '../../src/testing/index.js';
