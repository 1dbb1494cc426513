export * from './eventually';
export * from './isolation';
export * from './ports';
