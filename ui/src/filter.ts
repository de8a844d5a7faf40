// The album grid's filter and search, kept pure for unit tests.
import type { PhotoRow } from "./bindings";

export type StateFilter = "all" | "synced" | "pending" | "changed" | "failed" | "orphaned";

export const STATE_FILTERS: { value: StateFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "synced", label: "Synced" },
  { value: "pending", label: "Pending" },
  { value: "changed", label: "Changed" },
  { value: "failed", label: "Failed" },
  { value: "orphaned", label: "Orphaned" },
];

export function filterPhotos(
  photos: PhotoRow[],
  state: StateFilter,
  search: string,
  live: Record<string, string> = {},
): PhotoRow[] {
  const needle = search.trim().toLowerCase();
  return photos.filter((p) => {
    // Converting or uploading photos count as pending until they land.
    const s = live[p.path] ? "pending" : p.state;
    return (state === "all" || s === state) && (needle === "" || p.path.toLowerCase().includes(needle));
  });
}
