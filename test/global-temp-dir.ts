/**
 * vitest globalSetup: every test process (forks inherit the environment) gets TMPDIR pointing at one
 * fresh directory, removed when the run ends — so temp dirs made by tests and by the child processes
 * they spawn (registries, drover itself) never pile up on the machine.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "drover-tests-"));
  const previous = process.env["TMPDIR"];
  process.env["TMPDIR"] = root;
  return () => {
    if (previous === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
