import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether cache (CAT) and memory-bandwidth (MBA) partitioning can be used on this host. */
export interface ResctrlDetection {
  available: boolean;
  /** For status: where it is and what it offers, or why it is not there. */
  reason: string;
  /** Allocation resources the kernel offers under info/ (e.g. "L3", "MB"); empty when unavailable. */
  resources: string[];
}

/**
 * Looks for the resctrl filesystem (Intel RDT / AMD PQoS), through which LLC ways
 * (CAT) and memory bandwidth (MBA) are split between groups of tasks. Once the CPU
 * and kernel support it, it is mounted at `root` (`mount -t resctrl resctrl
 * /sys/fs/resctrl`) with a `schemata` file at its top. Detection only: nothing is
 * written (see the worker README, "Node manager").
 */
export function detectResctrl(root = '/sys/fs/resctrl', filesystems = '/proc/filesystems'): ResctrlDetection {
  if (!existsSync(join(root, 'schemata'))) {
    const note = kernelOffers(filesystems) ? '' : ' (the kernel offers no resctrl filesystem)';
    return { available: false, reason: `unavailable: ${root} not mounted${note}`, resources: [] };
  }
  // info/ holds one directory per resource; the *_MON ones are monitoring, not allocation.
  let resources: string[] = [];
  try {
    resources = readdirSync(join(root, 'info'))
      .filter(r => !r.endsWith('_MON'))
      .sort();
  } catch {
    /* an empty info/ says nothing more */
  }
  return {
    available: true,
    reason: `available at ${root}${resources.length ? ` (${resources.join(', ')})` : ''}`,
    resources,
  };
}

function kernelOffers(filesystems: string): boolean {
  try {
    return /\bresctrl\b/.test(readFileSync(filesystems, 'utf8'));
  } catch {
    return false;
  }
}
