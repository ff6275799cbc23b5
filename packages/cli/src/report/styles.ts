/** The reports' stylesheet (inline; the files load nothing from the network). */
export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; background: #f6f7f9; }
h1 { font-size: 22px; margin: 0 0 6px; word-break: break-all; }
h2 { font-size: 17px; margin: 28px 0 10px; }
header p { margin: 2px 0; color: #555; }
.status { display: inline-block; padding: 1px 10px; border-radius: 10px; font-weight: 600; color: #fff; }
.status-completed { background: #2e7d32; } .status-stopped { background: #ef6c00; } .status-failed { background: #c62828; } .status-running { background: #1565c0; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 12px 0; }
dl.meta dt { color: #666; } dl.meta dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { display: inline-block; vertical-align: top; margin: 0; background: #fff; border: 1px solid #dde; border-radius: 6px; padding: 8px; }
figure svg { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #dde; padding: 4px 10px; text-align: right; font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; }
th { background: #eef0f4; }
pre { background: #fff; border: 1px solid #dde; border-radius: 6px; padding: 12px; overflow: auto; max-height: 640px; font-size: 12px; }
.error { background: #fdecea; border: 1px solid #f5c2c0; padding: 10px 14px; border-radius: 6px; white-space: pre-wrap; font-family: ui-monospace, Menlo, Consolas, monospace; }
.note { color: #666; }
`;
