// API process: GraphQL over HTTP and WebSocket, health endpoints.
import { loadConfig } from './config/config.js';
import { configureLogger } from './infra/logger.js';
import { buildApp } from './http/app.js';
import { createServices } from './services.js';

const config = loadConfig();
const logger = configureLogger(config.log);
const services = createServices(config);
const app = buildApp(services);
const url = await app.start();
logger.info({ url }, 'API listening');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'API shutting down');
  const force = setTimeout(() => process.exit(1), 10_000).unref();
  await app.stop();
  await services.close();
  clearTimeout(force);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
