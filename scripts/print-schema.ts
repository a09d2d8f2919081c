// `npm run schema:print`: writes schema.graphql from the Pothos schema (committed; a test
// fails when it is stale).
import { writeFile } from 'node:fs/promises';
import { printSchemaFile, SCHEMA_FILE } from '../src/graphql/print.js';

await writeFile(SCHEMA_FILE, await printSchemaFile());
console.log(`wrote ${SCHEMA_FILE}`);
