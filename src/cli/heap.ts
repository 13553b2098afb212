import v8 from 'node:v8';

/**
 * V8 heap sizing for every nodewarden process started from the CLI, set as
 * this module is evaluated: the CLI imports it before anything else, so it
 * holds before the first burst of allocation (loading the modules).
 *
 * By default V8 doubles its young generation under a burst (loading modules,
 * booting or `start all` of hundreds of nodes) up to 2 × 16 MiB and keeps it
 * for the life of the process: about 30 MB of resident memory that a manager
 * idling between such bursts never needs. Holding the semi-spaces at their
 * initial 1 MiB costs a few more, cheap, scavenges during a burst. An operator
 * who sizes the young generation (`--max-semi-space-size` or
 * `--semi-space-growth-factor` in the node command line or NODE_OPTIONS) keeps
 * V8's own behaviour.
 */
const given = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].some((a) => a.includes('semi-space'));
if (!given) v8.setFlagsFromString('--semi-space-growth-factor=1');
