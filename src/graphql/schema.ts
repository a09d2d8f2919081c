// Imports every domain module (each registers its types and fields) and builds the schema.
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './modules/jobs.js';
import './modules/upload.js';
import './modules/progress.js';
import './modules/dashboard.js';
import './modules/budgets.js';
import './modules/session.js';

export const schema = lexicographicSortSchema(builder.toSchema());
