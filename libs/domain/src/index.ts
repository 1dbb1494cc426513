export * from './report.schema';
export * from './event.schema';
export * from './story.state';
export * from './rejection';
export * from './body.sanitizer';
export * from './report.parse';
export * from './story.decider';
export * from './story.evolve';
