import { runCli } from "./cli/index.js";

/** Grace for open handles after a long-running command returned, before exiting anyway. */
const EXIT_GRACE_MS = 2_000;

// `drover deployments list | head -1`: the reader went away; stop quietly as Unix tools do.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

process.on("unhandledRejection", (reason) => {
  process.stderr.write(
    `drover: fatal: unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`,
  );
  process.exit(1);
});
process.on("uncaughtException", (error) => {
  process.stderr.write(`drover: fatal: uncaught exception: ${error.stack ?? error.message}\n`);
  process.exit(1);
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  isTTY: process.stdout.isTTY === true,
});
process.exitCode = code;
setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
