import { type BusLogger } from '@communities/broker';

const noop = (): void => undefined;

/** Tests assert on behaviour, not on log lines. */
export const silentLogger: BusLogger = { debug: noop, info: noop, warn: noop, error: noop };
