import os from 'node:os';
import type { Check } from './shape.js';

/**
 * Value checks shared by the manager schema (as convict formats) and the node
 * schema. Each returns null when the value is fine, else a message that says
 * what was expected; the caller appends the value received.
 */

export const isString: Check = (v) => (typeof v === 'string' ? null : 'must be a string');

export const nonEmptyString: Check = (v) =>
  typeof v === 'string' && v !== '' ? null : 'must be a non-empty string';

export const isBoolean: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');

export const positiveInt: Check = (v) =>
  Number.isInteger(v) && (v as number) > 0 ? null : 'must be a positive integer';

export const nonNegativeInt: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 ? null : 'must be an integer >= 0';

export const anyInt: Check = (v) => (Number.isInteger(v) ? null : 'must be an integer');

export const positiveNumber: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'must be a positive number';

export const percent: Check = (v) =>
  typeof v === 'number' && v > 0 && v <= 100 ? null : 'must be a percentage above 0 and at most 100';

export const port: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535
    ? null
    : 'must be a port number 1-65535';

export const anyValue: Check = () => null;

export function oneOf(values: readonly string[]): Check {
  const text = values.map((x) => `"${x}"`).join(', ');
  return (v) => (typeof v === 'string' && values.includes(v) ? null : `must be one of ${text}`);
}

export function orNull(check: Check): Check {
  return (v) => (v === null ? null : check(v));
}

export const signalName: Check = (v) =>
  typeof v === 'string' && Object.prototype.hasOwnProperty.call(os.constants.signals, v)
    ? null
    : 'must be a signal name such as SIGTERM or SIGINT';

export const userOrGroup: Check = (v) =>
  (typeof v === 'string' && v !== '') || (Number.isInteger(v) && (v as number) >= 0)
    ? null
    : 'must be a name or a numeric id >= 0';

export const stringArray: Check = (v) =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? null : 'must be an array of strings';

export const stringMap: Check = (v) =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === 'string')
    ? null
    : 'must be an object of strings';

export const exitCode: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255 ? null : 'must be an exit code 0-255';

export const httpUrl: Check = (v) => {
  if (typeof v !== 'string') return 'must be a string';
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'must be an http:// or https:// URL';
  } catch {
    return 'must be an http:// or https:// URL';
  }
};
