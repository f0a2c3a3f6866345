export type { Faults, FaultTarget } from './faults.js';
export {
  DEFAULT_CLIENT_KEY,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_USER,
  type SimulatorClient,
  type SimulatorInstitution,
  type SimulatorOptions,
  type SimulatorUser,
} from './options.js';
export { type Simulator, startSimulator } from './server.js';
export type { SimulatorStats } from './state.js';
