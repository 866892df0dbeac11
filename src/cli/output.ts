/** What the CLI prints: coloured on a terminal, plain when piped (or with NO_COLOR), JSON with --json. */
export interface Output {
  readonly color: boolean;
  out(line?: string): void;
  err(line?: string): void;
  json(value: unknown): void;
}

export interface Streams {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}

export function createOutput(streams: Streams): Output {
  const env = streams.env;
  const color = env.FORCE_COLOR ? env.FORCE_COLOR !== '0' : !!streams.stdout.isTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return {
    color,
    out: (line = '') => streams.stdout.write(`${line}\n`),
    err: (line = '') => streams.stderr.write(`${line}\n`),
    json: (value) => streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}

const SGR = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Style = keyof typeof SGR;

/** `paint(o, 'red', text)`: the text in colour when the output is a terminal. */
export function paint(o: Output, style: Style, text: string): string {
  return o.color ? `\u001b[${SGR[style]}m${text}\u001b[0m` : text;
}

export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
