// Every test file's process logger, configured as an entry point would: from the config
// of the test environment (vitest sets NODE_ENV=test and LOG_LEVEL=silent).
import { parseConfig } from '../../src/config/config.js';
import { configureLogger } from '../../src/infra/logger.js';

configureLogger(parseConfig().log);
