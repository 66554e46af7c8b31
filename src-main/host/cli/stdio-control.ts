// The contract of src-shared/api.ts over JSON lines on stdin/stdout, so scripts and tests can drive
// a headless peer: in {"id":1,"cmd":"createChat","args":{...}}, out {"id":1,"ok":true,"result":...};
// events out as {"event":"message","payload":{...}}.
import { createInterface } from 'node:readline';
import { eventNames } from '../../../src-shared/api.js';
import type { NanceService } from '../../service/nance-service.js';

export function attachStdioControl(service: NanceService, write: (line: object) => void): () => void {
  const offs = eventNames.map((event) =>
    service.events.on(event, (payload: unknown) => write({ event, payload })),
  );
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    let msg: { id?: unknown; cmd?: unknown; args?: unknown };
    try {
      msg = JSON.parse(line);
    } catch {
      write({ ok: false, error: { kind: 'invalid-argument', message: 'not a JSON line' } });
      return;
    }
    const id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
    void service.dispatch(String(msg.cmd), msg.args).then((reply) => write({ id, ...reply }));
  });
  return () => {
    rl.close();
    for (const off of offs) off();
  };
}
