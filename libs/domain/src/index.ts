export * from './report.schema';
export * from './event.schema';
export * from './story.state';
export * from './rejection';
