// Which grid items to render: only the rows in view plus a few either side, so a 10,000-photo
// album costs the same DOM as a 50-photo one.

export interface GridGeometry {
  count: number;
  columns: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  /** Extra rows above and below the viewport, so fast scrolling does not show gaps. */
  overscan: number;
}

export function columnsFor(width: number, cellWidth: number): number {
  return Math.max(1, Math.floor(width / cellWidth));
}

/** Item indices [start, end) to render. */
export function visibleRange(g: GridGeometry): { start: number; end: number } {
  const rows = Math.ceil(g.count / g.columns);
  const firstRow = Math.max(0, Math.floor(g.scrollTop / g.rowHeight) - g.overscan);
  const lastRow = Math.min(rows, Math.ceil((g.scrollTop + g.viewportHeight) / g.rowHeight) + g.overscan);
  return { start: firstRow * g.columns, end: Math.min(g.count, lastRow * g.columns) };
}

export function totalHeight(count: number, columns: number, rowHeight: number): number {
  return Math.ceil(count / columns) * rowHeight;
}
