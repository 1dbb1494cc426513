// The stream's former module path, kept because push/subscription.service.ts imports it and push/
// is being changed on another branch right now. Import from story.stream, join.plan or
// stream.limits instead; this file goes once nothing imports it.
export * from './story.stream';
export { DEFAULT_STREAM_LIMITS, type StreamLimits } from './stream.limits';
