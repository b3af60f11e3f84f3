/** The composition root: wiring only (every long-lived object is constructed here). */
export { createApp, type App, type AppDeps } from "./create-app.js";
export { createCore, type Core, type CoreDeps } from "./create-core.js";
export { createSimulatorStarter } from "./simulator-starter.js";
