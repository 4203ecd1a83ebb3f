// The pure domain: catalog, applicability, planner, status rules. No I/O, no Temporal imports,
// so workflow code can use all of it deterministically.
export * from './catalog';
export * from './applicability';
export * from './planner';
export * from './missing-parents';
export * from './profile';
export * from './school-year';
export * from './status';
export * from './alerts';
export * from './errors';
export * from './resync';
export * from './rollover';
export * from './selection';
