// The block the user reads once everything is up: which services are theirs and which were
// started here (addresses, data directories), where the logs are, and what to open.
const path = require('node:path');

/**
 * @param services `[{ name, started, address, dir?, version?, note? }]`
 * @param ports `{ gateway, ingest }` as the apps logged them
 * @param demoStory the id of the demo story being played, if one is
 */
function startBlock({ nodeVersion, services, ports, dataDir, logsDir, tokens, cwd, demoStory }) {
  const show = (p) => {
    const relative = path.relative(cwd, p);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : p;
  };
  const gateway = `http://localhost:${ports.gateway}`;
  const ingest = `http://localhost:${ports.ingest}`;
  const lines = ['', `livefeed is up (Node ${nodeVersion})`];
  for (const s of services) {
    const where = s.started
      ? `started here  ${s.address}  (${s.version}; data ${show(s.dir)})`
      : `external      ${s.address}`;
    lines.push(`  ${s.name.padEnd(11)} ${where}`);
  }
  if (services.some((s) => s.started)) {
    lines.push(
      `  ${''.padEnd(11)} what was started here is a development default (data in ${show(dataDir)});`,
      `  ${''.padEnd(11)} production sets DATABASE_URL and NATS_URL, and LIVEFEED_SERVICES=external`,
    );
  }
  lines.push(
    `  ${'logs'.padEnd(11)} ${show(logsDir)}/<name>.log  (npm start -- --verbose: the apps' logs here too)`,
    '',
  );
  const urls = [
    ['stories', `${gateway}/`],
    demoStory
      ? ['demo story', `${gateway}/stories/${demoStory}  (playing now, about 2.5 min)`]
      : ['reader page', `${gateway}/stories/<id>`],
    ['read API', `${gateway}/api/stories`],
    ['console', `${ingest}/console`],
    ['write API', `${ingest}/api/stories/<id>/reports  (Authorization: Bearer <publisher token>)`],
    ['health', `${gateway}/health  ${ingest}/health`],
  ];
  for (const [what, url] of urls) lines.push(`  ${what.padEnd(11)} ${url}`);
  if (tokens === 0) {
    lines.push(
      '',
      '  No LIVEFEED_PUBLISH_TOKENS: the write API and the console refuse every report',
      '  (LIVEFEED_PUBLISH_TOKENS=dev-token npm start sets one).',
    );
  }
  lines.push('Ctrl-C stops everything.', '');
  return lines.join('\n');
}

module.exports = { startBlock };
