/** What the tty renderer knows of one host's tasks (updated from executor events). */
export interface HostProgress {
  host: string;
  total: number;
  finished: number;
  /** "task id: error" per failed task. */
  failed: string[];
  /** Running tasks: id → title. */
  running: Map<string, string>;
  notes: string[];
}

/**
 * The live view when there are more hosts than lines on the terminal: a view taller than the
 * screen cannot be redrawn in place and floods the scrollback. At most `maxLines` lines: hosts
 * with a failure first, then hosts with running tasks (what each runs now), and one line that
 * counts the hosts left out by state. Pure, so the layout is tested without a terminal.
 */
export function overviewLines(groups: readonly HostProgress[], maxLines: number): string[] {
  const room = Math.max(2, maxLines) - 1; // the last line counts what is not shown
  const failed = groups.filter((g) => g.failed.length > 0);
  const busy = groups.filter((g) => g.failed.length === 0 && g.running.size > 0);
  const shown = [...failed, ...busy].slice(0, room);
  const lines = shown.map((g) => hostLine(g));
  const hidden = groups.filter((g) => !shown.includes(g));
  if (hidden.length > 0) {
    const done = hidden.filter((g) => g.finished >= g.total && g.failed.length === 0).length;
    const running = hidden.filter((g) => g.running.size > 0).length;
    const waiting = hidden.length - done - running;
    const parts = [done > 0 ? `${done} done` : '', running > 0 ? `${running} running` : '', waiting > 0 ? `${waiting} waiting` : ''].filter(Boolean);
    lines.push(`${shown.length > 0 ? '… ' : ''}${hidden.length} ${shown.length > 0 ? 'more ' : ''}host${hidden.length === 1 ? '' : 's'}: ${parts.join(', ')}`);
  }
  return lines;
}

function hostLine(g: HostProgress): string {
  const head = `${g.failed.length > 0 ? '✖' : '▸'} ${g.host}  ${g.finished}/${g.total}`;
  if (g.failed.length > 0) return `${head}, ${g.failed.length} failed: ${g.failed[0]}`;
  const titles = [...g.running.values()];
  return `${head}  ${titles[0]}${titles.length > 1 ? ` (+${titles.length - 1} more)` : ''}`;
}

/** Per-host lines fit when every host gets its title and a line of output, plus room for the frame. */
export function fitsPerHost(hosts: number, rows: number | undefined): boolean {
  return hosts * 2 + 4 <= (rows ?? 24);
}
