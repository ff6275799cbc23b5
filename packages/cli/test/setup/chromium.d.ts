import type { TestProject } from 'vitest/node';
export interface ChromiumInfo {
    /** Executable path, when available. */
    readonly path?: string;
    /** Why Chromium is unavailable. */
    readonly error?: string;
}
declare module 'vitest' {
    interface ProvidedContext {
        chromium: ChromiumInfo;
    }
}
/** The Chromium executable (`CHROMIUM_PATH` first), if installed. */
export declare function findChromium(): string | undefined;
/** Finds Chromium, or installs it with `apt-get install -y chromium` when running as root on Linux. */
export declare function ensureChromium(): ChromiumInfo;
export default function setup(project: TestProject): void;
//# sourceMappingURL=chromium.d.ts.map