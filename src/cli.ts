import { main } from './app/cli/main';

// the command's code when its output has been written
const code = await main(process.argv.slice(2));
process.exitCode = code;
if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => process.exit(code));
else process.exit(code);
