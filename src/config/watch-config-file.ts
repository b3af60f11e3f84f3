import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

export const DEFAULT_RELOAD_DEBOUNCE_MS = 250;

/**
 * Calls `onChange` (debounced) when the file changes. The directory is watched, not the
 * file, so editors that save by rename and Kubernetes ConfigMap symlink swaps (`..data`)
 * are seen too. Returns a function that stops watching.
 */
export function watchConfigFile(
  file: string,
  onChange: () => void,
  debounceMs: number = DEFAULT_RELOAD_DEBOUNCE_MS,
): () => void {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
    if (changed !== null && changed !== name && !changed.startsWith("..")) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
    timer.unref();
  });
  watcher.on("error", () => {
    // The directory went away; SIGHUP still reloads.
  });
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    watcher.close();
  };
}
