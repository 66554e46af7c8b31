// pino-roll ships no types; this is the part of its documented API we use.
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';

  interface PinoRollOptions {
    file: string;
    size?: string | number;
    frequency?: string | number;
    mkdir?: boolean;
    limit?: { count: number };
  }
  export default function pinoRoll(options: PinoRollOptions): Promise<DestinationStream>;
}
