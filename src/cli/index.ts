export { runCli, COMMANDS, EXIT_USAGE } from "./run-cli.js";
export { EXIT_CONFIG } from "./serve-command.js";
export type { CliCommand, CliIo } from "./cli-command.js";
