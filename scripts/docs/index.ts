import { version } from '../../package.json';
import { asyncApiDocument } from './asyncapi';
import { stableJson } from './json';
import { openApiDocument } from './openapi';
import {
  eventSchemaFile,
  rejectionSchemaFile,
  reportSchemaFile,
  storyStateSchemaFile,
} from './schemas';

/** Directory of the generated files, relative to the repository root. */
export const DOCS_DIR = 'docs';
/** Where generated JSON Schemas go; every file there is the generator's. */
export const SCHEMAS_DIR = 'docs/schemas';

/** Every generated file: path relative to the repository root → its exact contents. */
export function generatedDocs(): Map<string, string> {
  return new Map([
    [`${SCHEMAS_DIR}/report.schema.json`, stableJson(reportSchemaFile())],
    [`${SCHEMAS_DIR}/event.schema.json`, stableJson(eventSchemaFile())],
    [`${SCHEMAS_DIR}/story-state.schema.json`, stableJson(storyStateSchemaFile())],
    [`${SCHEMAS_DIR}/rejection.schema.json`, stableJson(rejectionSchemaFile())],
    [`${DOCS_DIR}/asyncapi.json`, stableJson(asyncApiDocument(version))],
    [`${DOCS_DIR}/openapi.json`, stableJson(openApiDocument(version))],
  ]);
}
