import { type DynamicModule, Module } from '@nestjs/common';
import type { Config } from '@livefeed/common';
import { CONFIG } from './cli.tokens';
import { DemoCommand } from './commands/demo.command';
import { ExportCommand } from './commands/export.command';
import { ImportCommand } from './commands/import.command';
import { PublishCommand } from './commands/publish.command';
import { RebuildCommand } from './commands/rebuild.command';
import { TailCommand } from './commands/tail.command';
import { ReportFiler } from './filing/report.filer';
import { Connections } from './infra/connections';
import { Terminal } from './infra/terminal';

/**
 * The CLI as a Nest application context (no HTTP): one provider per command, the connections
 * they share (opened on first use, closed at shutdown), and the terminal they write to.
 */
@Module({})
export class CliModule {
  static forRoot(config: Config, terminal: Terminal): DynamicModule {
    return {
      module: CliModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: Terminal, useValue: terminal },
        Connections,
        ReportFiler,
        PublishCommand,
        ExportCommand,
        ImportCommand,
        TailCommand,
        DemoCommand,
        RebuildCommand,
      ],
    };
  }
}
