// The contract of src-shared/api.ts over JSON lines on stdin/stdout, so scripts and tests can drive
// a headless peer: in {"id":1,"cmd":"createChat","args":{...}}, out {"id":1,"ok":true,"result":...};
// events out as {"event":"message","payload":{...}}. A line that is not a command object gets
// {"id":null,"ok":false,"error":{"kind":"invalid-argument",...}} (its id when it has one); nothing
// read from stdin can stop the peer. End of stdin ends the channel, not the peer.
import { createInterface } from 'node:readline';
import { type CommandName, type CommandReply, eventNames } from '../../../src-shared/api.js';
import type { NanceService } from '../../service/nance-service.js';

type Id = number | string | null;

export function attachStdioControl(service: NanceService, write: (line: object) => void): () => void {
  const offs = eventNames.map((event) =>
    service.events.on(event, (payload: unknown) => write({ event, payload })),
  );
  const invalid = (id: Id, message: string) =>
    write({ id, ok: false, error: { kind: 'invalid-argument', message } });
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      invalid(null, 'not a JSON line');
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      invalid(null, 'expected a JSON object {"id":..,"cmd":..,"args":{..}}');
      return;
    }
    const { id: rawId, cmd, args } = msg as { id?: unknown; cmd?: unknown; args?: unknown };
    const id: Id = typeof rawId === 'number' || typeof rawId === 'string' ? rawId : null;
    if (typeof cmd !== 'string') {
      invalid(id, '"cmd" must be a command name');
      return;
    }
    void service
      .dispatch(cmd, args)
      .catch(
        (err: unknown): CommandReply<CommandName> => ({
          ok: false,
          error: { kind: 'exception', message: err instanceof Error ? err.message : String(err) },
        }),
      )
      .then((reply) => write({ id, ...reply }));
  });
  return () => {
    rl.close();
    for (const off of offs) off();
  };
}
