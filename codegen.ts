// `npm run codegen`: typed client (client preset: typed graphql() documents) from
// schema.graphql and the operations in src/client/operations. Tests, the demo and
// frontends import src/client. A test fails when the output is stale.
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['src/client/operations/**/*.ts'],
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    'src/client/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
      // Normalized caches (Apollo, urql graphcache) need __typename on every object; a
      // persisted document runs as stored, so it must ask for it itself.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { Date: 'string', DateTime: 'string', File: 'Blob' },
        documentMode: 'string',
      },
    },
  },
};

export default config;
