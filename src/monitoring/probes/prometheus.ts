import type { ProbeSpec } from '../../config/types.js';
import { httpText } from './http-text.js';
import { findSample, sampleNumber } from './prom-text.js';
import { ProbeValueError } from './value.js';

/**
 * `prometheus` probe: GET a text-format page and read one sample chosen by
 * `metric` + `labels`: its value, or with `label` set, that label's value
 * (e.g. `version` of `build_info{version="1.2.3"} 1`).
 */
export async function prometheusProbe(spec: ProbeSpec, signal: AbortSignal): Promise<unknown> {
  const text = await httpText({ url: spec.url!, signal, auth: spec.auth, accept: 'text/plain' });
  const sample = findSample(text, spec.metric!, spec.labels);
  if (spec.label === undefined) return sampleNumber(sample);
  const v = sample.labels[spec.label];
  if (v === undefined) throw new ProbeValueError(`sample ${spec.metric} has no label "${spec.label}"`);
  return v;
}
