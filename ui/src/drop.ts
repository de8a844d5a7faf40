// What the window does with dropped paths. The Rust side decides what a path is; this turns
// its answer into the words the drop overlay and the toast show.
import type { AddedFolders } from "./bindings";

export function dropSummary(r: AddedFolders): { tone: "ok" | "warn"; text: string } {
  const lines: string[] = [];
  if (r.added.length === 1) lines.push(`Added the album “${r.added[0]}”. Its photos start syncing now.`);
  else if (r.added.length > 1) lines.push(`Added ${r.added.length} albums. Their photos start syncing now.`);
  for (const rej of r.rejected) lines.push(`${baseName(rej.path)} ${rej.reason}`);
  return { tone: r.rejected.length > 0 ? "warn" : "ok", text: lines.join("\n") };
}

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p.length > 0);
  return parts.length > 0 ? parts[parts.length - 1] : path;
}
