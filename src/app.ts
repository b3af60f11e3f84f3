/**
 * The composition root's entry points (`createCore`, `createApp`), built in `src/compose/`.
 * Kept here so `serve`, `drover deploy` and the tests import one place.
 */
export {
  createApp,
  createCore,
  createSimulatorStarter,
  type App,
  type AppDeps,
  type Core,
  type CoreDeps,
} from "./compose/index.js";
