/** Absolute path of SwiftShader's Vulkan library, or null. */
export function findSwiftShader(): string | null;
/** Points the Vulkan loader at SwiftShader (writes an ICD file to a temp dir); throws naming what is missing. */
export function useSwiftShader(env?: Record<string, string | undefined>): { library: string; icd: string; runtimeDir: string };
