// Apollo Client prints its cache warnings only in a development build, decided when it
// loads: import this module before anything that imports @apollo/client.
(globalThis as { __DEV__?: boolean }).__DEV__ = true;
