import { z } from 'zod';
import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { clusterConfigSchema } from '../config/schema.js';

/** The JSON Schema of cluster.yml as users write it (the schema's input side). */
export function clusterJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(clusterConfigSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://drover.dev/schema/cluster.json',
    title: 'drover cluster.yml',
  };
}

/** `drover config schema`: for yaml-language-server and other editors. */
export async function configSchema(_opts: unknown, io: IoHost): Promise<ExitCode> {
  io.stdout.write(JSON.stringify(clusterJsonSchema(), null, 2) + '\n');
  return ExitCode.Ok;
}
