import pino, { type Logger, type LevelWithSilent } from 'pino';

/** The root logger; modules take `logger.child({ module })`. JSON lines on stdout. */
export function createLogger(level: LevelWithSilent, name = 'api-service'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
  });
}
