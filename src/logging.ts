// Structured JSON logs (pino). Every line names its component; batch, district and object are
// added as fields where they are known.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(component: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime });
}
