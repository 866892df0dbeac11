import { InitialSchema1764201600000 } from './1764201600000-InitialSchema.js';

/** Every migration, in order. Listed explicitly: ESM builds cannot rely on file globs. */
export const MIGRATIONS = [InitialSchema1764201600000];
