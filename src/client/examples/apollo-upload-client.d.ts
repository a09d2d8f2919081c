// apollo-upload-client 20 ships its types as JSDoc inside .mjs files, which TypeScript reads
// only with allowJs and maxNodeModuleJsDepth (its readme); this project keeps allowJs off,
// so here is the part of UploadHttpLink's constructor the example uses.
declare module 'apollo-upload-client/UploadHttpLink.mjs' {
  import { ApolloLink } from '@apollo/client';

  export default class UploadHttpLink extends ApolloLink {
    constructor(options?: {
      uri?: string;
      headers?: Record<string, string>;
      credentials?: RequestCredentials;
      fetchOptions?: RequestInit;
      fetch?: typeof fetch;
      includeExtensions?: boolean;
      includeUnusedVariables?: boolean;
    });
  }
}
