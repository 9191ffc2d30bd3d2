export async function run(_argv: string[]) { throw new Error('not built yet'); }
