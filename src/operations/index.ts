export * from "./check-targets.js";
