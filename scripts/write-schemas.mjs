#!/usr/bin/env node
// Writes schema/*.json from the built code (run after `npm run build`); a test
// checks that the files in schema/ are exactly what the code generates.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const { schemaFiles } = await import(new URL('../dist/src/config/config-schemas.js', import.meta.url).href);
const dir = new URL('../schema/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(schemaFiles())) {
  writeFileSync(join(dir, name), text);
  console.log(`wrote schema/${name}`);
}
