import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '@floor/telemetry';

export interface DirWatcher {
  close(): void;
}

/**
 * Calls `onChange` shortly after anything changes in `dir`, and every `rescanMs` regardless. fs.watch is fast
 * but not reliable everywhere (network filesystems, editors that replace the folder, a folder created after
 * boot), so the periodic call is the safety net and fs.watch only makes the common case quick. A burst of
 * events (an editor's save is often several) collapses into one call after `debounceMs` of quiet.
 */
export function watchDir(opts: {
  dir: string;
  onChange: (why: 'fs-event' | 'rescan') => void;
  log: Logger;
  debounceMs?: number;
  rescanMs?: number;
}): DirWatcher {
  const debounceMs = opts.debounceMs ?? 250;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let closed = false;

  const arm = () => {
    if (watcher || closed) return;
    try {
      watcher = watch(opts.dir, { persistent: false }, () => {
        clearTimeout(debounce);
        debounce = setTimeout(() => opts.onChange('fs-event'), debounceMs);
      });
      watcher.on('error', (err) => {
        opts.log.warn({ err, dir: opts.dir }, 'folder watch failed; relying on periodic rescan');
        watcher?.close();
        watcher = undefined;
      });
    } catch (err) {
      // typically ENOENT: the folder does not exist yet; the rescan timer tries again
      opts.log.warn({ err, dir: opts.dir }, 'cannot watch folder yet; relying on periodic rescan');
    }
  };

  arm();
  const rescan = setInterval(() => {
    arm();
    opts.onChange('rescan');
  }, opts.rescanMs ?? 5_000);
  rescan.unref();

  return {
    close() {
      closed = true;
      clearInterval(rescan);
      clearTimeout(debounce);
      watcher?.close();
      watcher = undefined;
    },
  };
}
