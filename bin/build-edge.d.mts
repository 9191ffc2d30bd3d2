export const forbiddenInEdge: { pattern: RegExp; why: string }[];
export const edgeBudgetGzipBytes: number;
export function buildEdge(opts?: { outdir?: string; quiet?: boolean }): Promise<{
  bytes: number;
  gzipBytes: number;
  /** the bundle's inputs, as esbuild's metafile names them */
  inputs: string[];
  /** what the bundle must not carry, and a budget overrun; empty when all is well */
  problems: string[];
}>;
