// pino-roll ships no types; this is the part of its documented API we use.
declare module 'pino-roll' {
  import type pino from 'pino';

  interface PinoRollOptions {
    file: string;
    size?: string | number;
    frequency?: string | number;
    mkdir?: boolean;
    /** count: files kept besides the current one; removeOtherLogFiles: also count files of earlier runs. */
    limit?: { count: number; removeOtherLogFiles?: boolean };
  }
  /** The stream is a SonicBoom, the same class pino.destination() returns. */
  export default function pinoRoll(options: PinoRollOptions): Promise<ReturnType<typeof pino.destination>>;
}
