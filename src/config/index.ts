/**
 * The configuration module's public face: load a config directory into frozen
 * specs, report what is wrong with it, and show one node's resolved config.
 */
export { loadConfig, ConfigError, NODE_NAME, type LoadOptions } from './load.js';
export { formatIssues, formatIssue, isSensitiveKey, MASK } from './issues.js';
export { MaskedSecrets, MemorySecrets } from './secrets.js';
export { showNode } from './show.js';
export { deepMerge } from './merge.js';
export { renderString, interpolateTree, TemplateError, type TemplateContext } from './interpolate.js';
export type * from './types.js';
