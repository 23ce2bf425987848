/**
 * What a `floor data …` command hands back to the CLI: the exit code and the text for each stream. The
 * commands never write to the process streams themselves, so tests read exactly what a user would see.
 *
 * Exit codes: 0 done (rejections, if any, are in the report), 1 the input or the venue made it
 * impossible (the message names the file or URL), 2 the options were wrong.
 */
export interface CommandResult {
  readonly exitCode: 0 | 1 | 2;
  readonly stdout: string;
  readonly stderr?: string;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function failed(message: string, stdout = ''): CommandResult {
  return { exitCode: EXIT_FAILED, stdout, stderr: `${message}\n` };
}

export function usage(message: string): CommandResult {
  return { exitCode: EXIT_USAGE, stdout: '', stderr: `${message}\n` };
}

/** The dataset name when none is given: the output file's name without `.jsonl.gz` / `.jsonl`. */
export function datasetNameOf(out: string): string {
  const base = out.split(/[\\/]/).pop() ?? out;
  return base.replace(/\.jsonl(\.gz)?$/, '').replace(/\.gz$/, '') || 'dataset';
}
