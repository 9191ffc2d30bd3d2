// Routing rules: validation (schema), evaluation with the safety rules (evaluate), dry runs
// (simulate) and the default rule set (defaults). Pure; see each file for the rules it keeps.
export * from './schema.js';
export * from './evaluate.js';
export * from './simulate.js';
export * from './defaults.js';
export { checkRegexSafety, REGEX_INPUT_LIMIT, REGEX_MAX_LENGTH } from './regex-safety.js';
