export async function run(_argv: string[]): Promise<void> {
  throw new Error('the pipeline benchmark is not built yet (see bench/README.md)');
}
